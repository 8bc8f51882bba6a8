/**
 * The "apply only if newer" guard of every projection. Events of one
 * aggregate arrive in order on the bus, but a replay from the dead-letter
 * queue, a redelivery after a rebalance or two aggregates feeding one row can
 * bring an older event after a newer one; a projection row remembers the time
 * of the event it reflects and ignores anything older. Ties (two events in the
 * same millisecond) are broken by a rank of the state, so a terminal state
 * (REVOKED) is never undone by its predecessor (ACTIVE) of the same instant.
 */
export function supersedes(
  stored: { eventAt: Date | string | null } | null | undefined,
  incomingAt: Date | string,
  rank?: { stored: number; incoming: number },
): boolean {
  if (!stored || stored.eventAt === null) return true;
  const d = toMillis(incomingAt) - toMillis(stored.eventAt);
  if (d !== 0) return d > 0;
  return rank ? rank.incoming >= rank.stored : true;
}

function toMillis(at: Date | string): number {
  if (at instanceof Date) return at.getTime();
  // MySQL DATETIME text ("2026-01-02 03:04:05.678") is UTC in this project
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(at) ? at : `${at.replace(' ', 'T')}Z`).getTime();
}
