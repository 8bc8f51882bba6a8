/**
 * Retries `fn` until its value passes `ok`; fails with the last value after
 * `timeoutMs`. For effects that travel through the event bus — never a sleep.
 */
export async function eventually<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean = Boolean,
  opts: { timeoutMs?: number; what?: string; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: T;
  do {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  } while (Date.now() < deadline);
  throw new Error(
    `timed out waiting for ${opts.what ?? 'condition'}; last value: ${JSON.stringify(last).slice(0, 500)}`,
  );
}

/** Polls `check` until it holds (or fails after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean>, what = 'condition', timeoutMs = 10_000) {
  await eventually(check, (v) => v, { what, timeoutMs });
}
