/**
 * The platform fee of a retailer's split comes from the retailer's plan
 * (issue 10, item 4): platform publishes `platform.subscription.changed`
 * with the plan's `transactionFeeBps` whenever a plan or status changes, and
 * payments keeps the latest per organisation. No call to platform: a
 * retailer whose event has not arrived yet (or never will, e.g. platform is
 * not deployed) is split with PAYMENTS_PLATFORM_FEE_BPS. A CANCELLED
 * subscription still carries its plan's fee, so the last fee stays.
 */
import type { SubscriptionChangedPayload } from '@tradegraph/contracts';
import { type EntityManager, supersedes } from '@tradegraph/shared';
import type { PaymentsConfig } from '../config.ts';
import { findPlatformFee, type PlatformFeeRecord, savePlatformFee } from '../store/platform-fees.ts';
import { BPS_DENOMINATOR } from './split.ts';

/**
 * The row a subscription change leaves (pure): null when the stored row
 * reflects a newer event (kernel `supersedes`) or the fee is not a whole
 * number of basis points between 0 and 10 000 (nothing sensible to split with).
 */
export function platformFeeUpdate(
  stored: { eventAt: Date | string } | null,
  p: SubscriptionChangedPayload,
  occurredAt: string,
): PlatformFeeRecord | null {
  const bps = p.transactionFeeBps;
  if (!Number.isInteger(bps) || bps < 0 || BigInt(bps) > BPS_DENOMINATOR) return null;
  if (!supersedes(stored, occurredAt)) return null;
  return { organizationId: p.organizationId, feeBps: bps, eventAt: new Date(occurredAt) };
}

/** `platform.subscription.changed`: keep the organisation's plan fee if the event is newer than the row. */
export async function applySubscriptionChanged(
  em: EntityManager,
  p: SubscriptionChangedPayload,
  occurredAt: string,
): Promise<void> {
  const next = platformFeeUpdate(await findPlatformFee(em, p.organizationId, true), p, occurredAt);
  if (next) await savePlatformFee(em, next);
}

/** The platform fee for a retailer's split: its plan's, else the configured default. */
export async function platformFeeBpsOf(
  em: EntityManager,
  config: Pick<PaymentsConfig, 'PAYMENTS_PLATFORM_FEE_BPS'>,
  retailerId: string,
): Promise<number> {
  return (await findPlatformFee(em, retailerId))?.feeBps ?? config.PAYMENTS_PLATFORM_FEE_BPS;
}
