import { dbDate, type EntityManager, rows } from '@tradegraph/shared';

/** SQL of the platform-fee projection (`platform_fees`, one row per organisation). */

export interface PlatformFeeRecord {
  organizationId: string;
  feeBps: number;
  /** Time of the `platform.subscription.changed` event the row reflects. */
  eventAt: Date;
}

/** The organisation's row; `lock` reads it `for update` (the consumer's read-decide-write). */
export async function findPlatformFee(
  em: EntityManager,
  organizationId: string,
  lock = false,
): Promise<PlatformFeeRecord | null> {
  const [r] = await rows<{ fee_bps: number; event_at: Date | string }>(
    em,
    `select fee_bps, event_at from platform_fees where organization_id = ?${lock ? ' for update' : ''}`,
    [organizationId],
  );
  return r ? { organizationId, feeBps: Number(r.fee_bps), eventAt: dbDate(r.event_at) } : null;
}

export async function savePlatformFee(em: EntityManager, f: PlatformFeeRecord): Promise<void> {
  await em.execute(
    `insert into platform_fees (organization_id, fee_bps, event_at) values (?, ?, ?)
     on duplicate key update fee_bps = values(fee_bps), event_at = values(event_at)`,
    [f.organizationId, f.feeBps, f.eventAt],
  );
}
