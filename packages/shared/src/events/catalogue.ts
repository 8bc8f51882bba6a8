/**
 * The typed, versioned catalogue of event types. The kernel declares it empty:
 * the domain events live in `@tradegraph/contracts` (one file per producing
 * subgraph), which adds its entries by module augmentation of this module
 * (`declare module '@tradegraph/shared/events/catalogue'`) and registers their
 * versions at load time with `registerEventTypes`. Producers and consumers both
 * import the contracts, so a payload change is a compile error on both sides.
 * Each entry is `{ version: <current version>; payload: <payload type> }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by module augmentation; a type alias cannot be augmented
export interface EventCatalogue {}

export type EventType = keyof EventCatalogue & string;
/** An entry of the catalogue as the kernel sees it (the augmentation gives the exact types). */
type EntryOf<T extends EventType> = EventCatalogue[T] & { version: number; payload: unknown };
export type PayloadOf<T extends EventType> = EntryOf<T>['payload'];
export type VersionOf<T extends EventType> = EntryOf<T>['version'];
/** The versions of a set of event types, as a contracts file registers them. */
export type EventVersions<T extends EventType = EventType> = { [K in T]: VersionOf<K> };

const versions: Record<string, number> = {};

/**
 * Current version of every registered type (what producers write). Filled by
 * `registerEventTypes`; empty until the contracts (or a test's fixture) are imported.
 */
export const EVENT_VERSIONS: Readonly<EventVersions> = versions as EventVersions;

/**
 * Registers event types and their current versions, so the bus accepts
 * handlers for them and `createEnvelope` stamps the version. Each contracts
 * file calls it once for its own types. Registering a type again with the same
 * version is a no-op (a module loaded twice); with another version it throws.
 */
export function registerEventTypes(entries: Partial<EventVersions>): void {
  for (const [type, version] of Object.entries(entries) as [string, number][]) {
    topicOf(type);
    if (!Number.isInteger(version) || version < 1) {
      throw new Error(`event type "${type}": version must be a positive integer, got ${version}`);
    }
    const known = versions[type];
    if (known !== undefined && known !== version) {
      throw new Error(`event type "${type}" is already registered with version ${known}, not ${version}`);
    }
    versions[type] = version;
  }
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(versions, type);
}

/** Topics of the given event types (deduplicated, sorted). */
export function topicsOf(types: readonly string[]): string[] {
  return [...new Set(types.map(topicOf))].sort();
}

/** Topic of an event type: its domain and entity (`identity.connection`), so one aggregate stays in one topic. */
export function topicOf(type: string): string {
  const parts = type.split('.');
  if (parts.length !== 3) throw new Error(`event type "${type}" is not <domain>.<entity>.<event>`);
  return `${parts[0]}.${parts[1]}`;
}
