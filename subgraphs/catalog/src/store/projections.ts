import type { EntityManager } from '@tradegraph/shared';
import type { ListingValues, PartnerAccessValues, StorefrontValues } from '../domain/projections.ts';
import { ListingProjection, PartnerAccess, StorefrontProjection } from '../entities/index.ts';

/**
 * The projection rows of the service database, read and written in the
 * consumer's transaction (`em`, with the processed-event record). `decide`
 * is the domain's guard: the stored row is replaced only when it says so
 * (each returns whether it was).
 */

export async function upsertPartnerAccess(
  em: EntityManager,
  connectionId: string,
  values: PartnerAccessValues,
  decide: (stored: PartnerAccess | null) => boolean,
): Promise<boolean> {
  const row = await em.findOne(PartnerAccess, { connectionId });
  if (!decide(row)) return false;
  const next = { ...values, updatedAt: new Date() };
  if (row) Object.assign(row, next);
  else em.create(PartnerAccess, { connectionId, ...next });
  return true;
}

export async function upsertListing(
  em: EntityManager,
  listingId: string,
  values: ListingValues,
  decide: (stored: ListingProjection | null) => boolean,
): Promise<boolean> {
  const row = await em.findOne(ListingProjection, { listingId });
  if (!decide(row)) return false;
  const next = { ...values, updatedAt: new Date() };
  if (row) Object.assign(row, next);
  else em.create(ListingProjection, { listingId, ...next });
  return true;
}

export async function upsertStorefront(
  em: EntityManager,
  storefrontId: string,
  values: StorefrontValues,
  decide: (stored: StorefrontProjection | null) => boolean,
): Promise<boolean> {
  const row = await em.findOne(StorefrontProjection, { storefrontId });
  if (!decide(row)) return false;
  const next = { ...values, updatedAt: new Date() };
  if (row) Object.assign(row, next);
  else em.create(StorefrontProjection, { storefrontId, ...next });
  return true;
}
