/**
 * Preloaded into the router by bench:subscriptions (`--import`): SIGUSR2 runs a
 * full garbage collection, so the bench can read the router's memory without
 * the garbage of the moment (what subscribers hold, not when V8 last collected).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
process.on('SIGUSR2', () => gc());
