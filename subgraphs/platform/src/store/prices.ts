import { dbDate, type EntityManager, rows } from '@tradegraph/shared';

export type PriceKind = 'WHOLESALE' | 'RETAIL';

export interface PricePointRecord {
  eventId: string;
  variantId: string;
  brandId: string;
  organizationId: string;
  kind: PriceKind;
  sourceId: string;
  priceMinor: bigint;
  currencyCode: string;
  at: Date;
}

/** The newest point of one offer or listing. */
export async function latestPricePoint(
  em: EntityManager,
  sourceId: string,
): Promise<{ priceMinor: bigint; currencyCode: string; at: Date } | null> {
  const [row] = await rows<{ price_minor: string | number; currency_code: string; at: Date | string }>(
    em,
    'select price_minor, currency_code, at from price_points where source_id = ? order by at desc, id desc limit 1',
    [sourceId],
  );
  return row
    ? { priceMinor: BigInt(row.price_minor), currencyCode: row.currency_code, at: dbDate(row.at) }
    : null;
}

export async function insertPricePoint(em: EntityManager, p: PricePointRecord): Promise<void> {
  await em.execute(
    `insert ignore into price_points (event_id, variant_id, brand_id, organization_id, kind, source_id, price_minor, currency_code, at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      p.eventId,
      p.variantId,
      p.brandId,
      p.organizationId,
      p.kind,
      p.sourceId,
      p.priceMinor.toString(),
      p.currencyCode,
      p.at,
    ],
    'run',
  );
}

/** Who may see which points of a variant: all (staff), a brand's own variants, or one organisation's own prices. */
export type PriceVisibility = { all: true } | { brandId: string; organizationId: string };

export async function priceHistory(
  em: EntityManager,
  variantId: string,
  visibility: PriceVisibility,
  from: Date | null,
  limit: number,
): Promise<PricePointRecord[]> {
  const parts = ['variant_id = ?'];
  const params: unknown[] = [variantId];
  if (!('all' in visibility)) {
    parts.push('(brand_id = ? or organization_id = ?)');
    params.push(visibility.brandId, visibility.organizationId);
  }
  if (from) {
    parts.push('at >= ?');
    params.push(from);
  }
  const list = await rows<{
    event_id: string;
    variant_id: string;
    brand_id: string;
    organization_id: string;
    kind: PriceKind;
    source_id: string;
    price_minor: string | number;
    currency_code: string;
    at: Date | string;
  }>(
    em,
    `select event_id, variant_id, brand_id, organization_id, kind, source_id, price_minor, currency_code, at
     from price_points where ${parts.join(' and ')} order by at desc, id desc limit ?`,
    [...params, limit],
  );
  return list.map((r) => ({
    eventId: r.event_id,
    variantId: r.variant_id,
    brandId: r.brand_id,
    organizationId: r.organization_id,
    kind: r.kind,
    sourceId: r.source_id,
    priceMinor: BigInt(r.price_minor),
    currencyCode: r.currency_code,
    at: dbDate(r.at),
  }));
}
