import DataLoader from 'dataloader';

/**
 * Per-request DataLoader registry: resolvers ask for a loader by name and get
 * the one instance for this request, so every `__resolveReference` and list
 * child in a request is batched into one query per kind.
 */
export class Loaders {
  readonly #loaders = new Map<string, DataLoader<unknown, unknown>>();

  get<K, V>(
    name: string,
    batch: (keys: readonly K[]) => Promise<(V | Error)[]>,
    options?: DataLoader.Options<K, V, string>,
  ): DataLoader<K, V, string> {
    let loader = this.#loaders.get(name) as DataLoader<K, V, string> | undefined;
    if (!loader) {
      loader = new DataLoader<K, V, string>(batch, { maxBatchSize: 500, ...options });
      this.#loaders.set(name, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }

  /**
   * Forgets every cached value (the loaders stay): after a write commits, the
   * rest of the request reads the committed state rather than what was
   * loaded before it.
   */
  clear(): void {
    for (const loader of this.#loaders.values()) loader.clearAll();
  }
}

/** Orders `rows` by `keys` for a DataLoader batch (missing → null). */
export function byKeys<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map<K, V>();
  for (const r of rows) map.set(keyOf(r), r);
  return keys.map((k) => map.get(k) ?? null);
}

/** Groups `rows` by `keys` for a one-to-many DataLoader batch. */
export function groupByKeys<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const map = new Map<K, V[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return keys.map((k) => map.get(k) ?? []);
}
