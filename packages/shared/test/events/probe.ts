/**
 * The kernel's test event: a synthetic probe with no business meaning, which
 * the event-bus tests, the contract tests and the benchmark send. The kernel
 * holds no domain events, so its tests declare their own the way a contracts
 * file does: by augmenting the catalogue and registering the version.
 */
import { registerEventTypes } from '../../src/events/catalogue.ts';

/** `seq` numbers the probes of one aggregate so consumers can check per-aggregate order. */
export interface ProbePayload {
  probeId: string;
  seq: number;
  note?: string;
}

declare module '../../src/events/catalogue.ts' {
  interface EventCatalogue {
    'platform.probe.emitted': { version: 1; payload: ProbePayload };
  }
}

registerEventTypes({ 'platform.probe.emitted': 1 });
