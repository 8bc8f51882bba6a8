/**
 * V8 settings the router process runs with (main.ts applies them before the
 * router loads; an operator's own value of a flag wins). Measured with
 * `npm run bench:router` (docs/router.md, "Profile and what was removed"):
 *
 * `--heap-growing-percent=100`: after each full collection V8 lets the old
 * generation grow to twice what survived. Left to itself on a large host it
 * picks up to four times (its factor depends on the memory it may use, not on
 * what the process needs): the router's ~60 MiB of live heap grew to ~190 MiB
 * of old space under the bench's load, and peak RSS to 1.0–1.2× stock
 * @apollo/gateway's. With a factor of 2, peak RSS was 0.78–0.86× stock's and
 * the router's req/s relative to stock unchanged in paired runs (more frequent
 * marking, which runs mostly on V8's helper threads). In a container with a
 * memory limit V8 already chooses a factor about this small.
 *
 * Not used: a smaller young generation (`--max-semi-space-size=16` or `32`)
 * also lowered RSS, but cost 10–25% of the router's req/s: requests in flight
 * survive more scavenges and are promoted.
 */
export const ROUTER_V8_FLAGS: readonly string[] = ['--heap-growing-percent=100'];

/** The flag's name: `--heap-growing-percent` of `--heap-growing-percent=100`. */
function nameOf(flag: string): string {
  const at = flag.indexOf('=');
  return (at < 0 ? flag : flag.slice(0, at)).replaceAll('_', '-');
}

/**
 * The router's V8 flags not already given on the command line or in
 * NODE_OPTIONS: an operator's own value of a flag wins.
 */
export function missingV8Flags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter(Boolean).map(nameOf));
  return ROUTER_V8_FLAGS.filter((flag) => !given.has(nameOf(flag)));
}
