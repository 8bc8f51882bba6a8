import { type EntityManager, rows } from '@tradegraph/shared';

/** How an organisation took part in an order. */
export type SalesRole = 'RETAILER' | 'BRAND' | 'SUPPLIER';

/** One party's share of an order: its units and its GMV (retail for retailer and brand, wholesale for supplier). */
export interface PartySale {
  organizationId: string;
  role: SalesRole;
  units: number;
  gmvMinor: bigint;
}

export interface ProductSale {
  organizationId: string;
  variantId: string;
  title: string;
  units: number;
  gmvMinor: bigint;
}

export interface BrandRetailerSale {
  brandId: string;
  retailerId: string;
  units: number;
  gmvMinor: bigint;
}

/** Keeps an order's parties, so its confirmation can be applied to each; false when already recorded. */
export async function recordOrderFacts(
  em: EntityManager,
  o: { orderId: string; currencyCode: string; parties: PartySale[]; placedAt: Date },
): Promise<boolean> {
  const parties = o.parties.map((p) => ({ ...p, gmvMinor: p.gmvMinor.toString() }));
  const res = await em.execute<{ affectedRows: number }>(
    'insert ignore into order_facts (order_id, currency_code, parties, placed_at) values (?, ?, ?, ?)',
    [o.orderId, o.currencyCode, JSON.stringify(parties), o.placedAt],
    'run',
  );
  return res.affectedRows === 1;
}

/**
 * Marks the order confirmed once and returns its parties (null when it was
 * already confirmed or its placement is unknown).
 */
export async function confirmOrderOnce(
  em: EntityManager,
  orderId: string,
  at: Date,
): Promise<{ currencyCode: string; parties: PartySale[] } | null> {
  const res = await em.execute<{ affectedRows: number }>(
    'update order_facts set confirmed_at = ? where order_id = ? and confirmed_at is null',
    [at, orderId],
    'run',
  );
  if (res.affectedRows !== 1) return null;
  const [row] = await rows<{ currency_code: string; parties: string | object[] }>(
    em,
    'select currency_code, parties from order_facts where order_id = ?',
    [orderId],
  );
  if (!row) return null;
  const raw = (typeof row.parties === 'string' ? JSON.parse(row.parties) : row.parties) as (Omit<
    PartySale,
    'gmvMinor'
  > & { gmvMinor: string })[];
  return {
    currencyCode: row.currency_code,
    parties: raw.map((p) => ({ ...p, gmvMinor: BigInt(p.gmvMinor) })),
  };
}

/** Adds one order to each party's day (orders +1, units, GMV). */
export async function addPlacedSales(
  em: EntityManager,
  day: string,
  currencyCode: string,
  parties: PartySale[],
): Promise<void> {
  if (!parties.length) return;
  await em.execute(
    `insert into daily_sales (organization_id, role, day, currency_code, orders, units, gmv_minor)
     values ${parties.map(() => '(?, ?, ?, ?, 1, ?, ?)').join(', ')}
     on duplicate key update orders = orders + 1, units = units + values(units), gmv_minor = gmv_minor + values(gmv_minor)`,
    parties.flatMap((p) => [p.organizationId, p.role, day, currencyCode, p.units, p.gmvMinor.toString()]),
    'run',
  );
}

/** Adds one confirmed order to each party's day of confirmation. */
export async function addConfirmedSales(
  em: EntityManager,
  day: string,
  currencyCode: string,
  parties: PartySale[],
): Promise<void> {
  if (!parties.length) return;
  await em.execute(
    `insert into daily_sales (organization_id, role, day, currency_code, confirmed_orders, confirmed_gmv_minor)
     values ${parties.map(() => '(?, ?, ?, ?, 1, ?)').join(', ')}
     on duplicate key update confirmed_orders = confirmed_orders + 1,
       confirmed_gmv_minor = confirmed_gmv_minor + values(confirmed_gmv_minor)`,
    parties.flatMap((p) => [p.organizationId, p.role, day, currencyCode, p.gmvMinor.toString()]),
    'run',
  );
}

export async function addProductSales(
  em: EntityManager,
  day: string,
  currencyCode: string,
  sales: ProductSale[],
): Promise<void> {
  if (!sales.length) return;
  await em.execute(
    `insert into daily_product_sales (organization_id, day, variant_id, currency_code, title, units, gmv_minor)
     values ${sales.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
     on duplicate key update title = values(title), units = units + values(units), gmv_minor = gmv_minor + values(gmv_minor)`,
    sales.flatMap((s) => [
      s.organizationId,
      day,
      s.variantId,
      currencyCode,
      s.title.slice(0, 300),
      s.units,
      s.gmvMinor.toString(),
    ]),
    'run',
  );
}

export async function addBrandRetailerSales(
  em: EntityManager,
  day: string,
  currencyCode: string,
  sales: BrandRetailerSale[],
): Promise<void> {
  if (!sales.length) return;
  await em.execute(
    `insert into daily_brand_retailer_sales (brand_id, retailer_id, day, currency_code, orders, units, gmv_minor)
     values ${sales.map(() => '(?, ?, ?, ?, 1, ?, ?)').join(', ')}
     on duplicate key update orders = orders + 1, units = units + values(units), gmv_minor = gmv_minor + values(gmv_minor)`,
    sales.flatMap((s) => [s.brandId, s.retailerId, day, currencyCode, s.units, s.gmvMinor.toString()]),
    'run',
  );
}

/** An organisation's sales on one day in one currency (all its roles together). */
export interface DailySalesRecord {
  day: string;
  currencyCode: string;
  orders: number;
  units: number;
  gmvMinor: bigint;
  confirmedOrders: number;
  confirmedGmvMinor: bigint;
}

type Num = number | string;

export async function dailySales(
  em: EntityManager,
  organizationId: string,
  fromDay: string,
  toDay: string,
): Promise<DailySalesRecord[]> {
  const list = await rows<{
    day: string;
    currency_code: string;
    orders: Num;
    units: Num;
    gmv: Num;
    confirmed_orders: Num;
    confirmed_gmv: Num;
  }>(
    em,
    `select date_format(day, '%Y-%m-%d') as day, currency_code, sum(orders) as orders, sum(units) as units,
            sum(gmv_minor) as gmv, sum(confirmed_orders) as confirmed_orders, sum(confirmed_gmv_minor) as confirmed_gmv
     from daily_sales where organization_id = ? and day between ? and ?
     group by day, currency_code order by day, currency_code`,
    [organizationId, fromDay, toDay],
  );
  return list.map((r) => ({
    day: r.day,
    currencyCode: r.currency_code,
    orders: Number(r.orders),
    units: Number(r.units),
    gmvMinor: BigInt(r.gmv),
    confirmedOrders: Number(r.confirmed_orders),
    confirmedGmvMinor: BigInt(r.confirmed_gmv),
  }));
}

/** Confirmed GMV of the organisation in one role over [fromDay, toDay), per currency. */
export async function confirmedGmv(
  em: EntityManager,
  organizationId: string,
  role: SalesRole,
  fromDay: string,
  toDayExclusive: string,
): Promise<{ currencyCode: string; gmvMinor: bigint }[]> {
  const list = await rows<{ currency_code: string; gmv: Num }>(
    em,
    `select currency_code, sum(confirmed_gmv_minor) as gmv from daily_sales
     where organization_id = ? and role = ? and day >= ? and day < ?
     group by currency_code having sum(confirmed_gmv_minor) > 0 order by currency_code`,
    [organizationId, role, fromDay, toDayExclusive],
  );
  return list.map((r) => ({ currencyCode: r.currency_code, gmvMinor: BigInt(r.gmv) }));
}

export interface TopProductRecord {
  variantId: string;
  title: string;
  currencyCode: string;
  units: number;
  gmvMinor: bigint;
}

export async function topProducts(
  em: EntityManager,
  organizationId: string,
  fromDay: string,
  toDay: string,
  by: 'UNITS' | 'GMV',
  limit: number,
): Promise<TopProductRecord[]> {
  const order = by === 'UNITS' ? 'units desc, gmv desc' : 'gmv desc, units desc';
  const list = await rows<{ variant_id: string; title: string; currency_code: string; units: Num; gmv: Num }>(
    em,
    `select variant_id, currency_code, max(title) as title, sum(units) as units, sum(gmv_minor) as gmv
     from daily_product_sales where organization_id = ? and day between ? and ?
     group by variant_id, currency_code order by ${order}, variant_id limit ?`,
    [organizationId, fromDay, toDay, limit],
  );
  return list.map((r) => ({
    variantId: r.variant_id,
    title: r.title,
    currencyCode: r.currency_code,
    units: Number(r.units),
    gmvMinor: BigInt(r.gmv),
  }));
}

export interface SellThroughRecord {
  retailerId: string;
  currencyCode: string;
  orders: number;
  units: number;
  gmvMinor: bigint;
  /** Units of the brand sold by every retailer in the currency over the same days. */
  totalUnits: number;
}

export async function sellThrough(
  em: EntityManager,
  brandId: string,
  fromDay: string,
  toDay: string,
): Promise<SellThroughRecord[]> {
  const list = await rows<{
    retailer_id: string;
    currency_code: string;
    orders: Num;
    units: Num;
    gmv: Num;
    total: Num;
  }>(
    em,
    `select retailer_id, currency_code, sum(orders) as orders, sum(units) as units, sum(gmv_minor) as gmv,
            sum(sum(units)) over (partition by currency_code) as total
     from daily_brand_retailer_sales where brand_id = ? and day between ? and ?
     group by retailer_id, currency_code order by units desc, retailer_id`,
    [brandId, fromDay, toDay],
  );
  return list.map((r) => ({
    retailerId: r.retailer_id,
    currencyCode: r.currency_code,
    orders: Number(r.orders),
    units: Number(r.units),
    gmvMinor: BigInt(r.gmv),
    totalUnits: Number(r.total),
  }));
}
