import { dbDate, type EntityManager, placeholders, rows } from '@tradegraph/shared';

/**
 * The checkout projections (service database): rows are parsed into typed
 * records here. Every write is an upsert of the whole state the decision in
 * domain/projections.ts returned.
 */

export interface CartLineRecord {
  lineId: string;
  listingId: string;
  variantId: string;
  brandId: string;
  quantity: number;
  unitPriceMinor: number;
  title: string;
}

export interface CartRecord {
  cartId: string;
  retailerId: string;
  storefrontId: string;
  currencyCode: string;
  customerId: string | null;
  status: 'OPEN' | 'CHECKED_OUT' | 'EXPIRED';
  lines: CartLineRecord[];
  eventAt: Date;
}

export interface ListingPriceRecord {
  listingId: string;
  retailerId: string;
  variantId: string;
  brandId: string;
  priceMinor: number | null;
  currencyCode: string | null;
  title: string | null;
  sellable: boolean;
  eventAt: Date;
}

export interface OfferRecord {
  offerId: string;
  supplierId: string;
  brandId: string;
  variantId: string;
  wholesaleMinor: number;
  currencyCode: string;
  minimumOrderQuantity: number;
  active: boolean;
  eventAt: Date;
}

export interface StockRecord {
  supplierId: string;
  variantId: string;
  totalAvailable: number;
  eventAt: Date;
}

/** The transaction fee of an organisation's plan (from `platform.subscription.changed`). */
export interface PlatformFeeRecord {
  organizationId: string;
  feeBps: number;
  eventAt: Date;
}

export interface ConnectionRecord {
  connectionId: string;
  supplierId: string;
  brandId: string;
  status: 'PENDING' | 'ACTIVE' | 'DECLINED' | 'REVOKED';
  active: boolean;
  eventAt: Date;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

interface CartRow {
  cart_id: string;
  retailer_id: string;
  storefront_id: string;
  currency_code: string;
  customer_id: string | null;
  status: CartRecord['status'];
  cart_lines: unknown;
  event_at: Date | string;
}

const toCart = (r: CartRow): CartRecord => ({
  cartId: r.cart_id,
  retailerId: r.retailer_id,
  storefrontId: r.storefront_id,
  currencyCode: r.currency_code,
  customerId: r.customer_id,
  status: r.status,
  lines: json<CartLineRecord[]>(r.cart_lines),
  eventAt: dbDate(r.event_at),
});

/** The cart; `lock` reads it `for update` (checkout serialises on its cart). */
export async function findCart(em: EntityManager, cartId: string, lock = false): Promise<CartRecord | null> {
  const [r] = await rows<CartRow>(em, `select * from carts where cart_id = ?${lock ? ' for update' : ''}`, [
    cartId,
  ]);
  return r ? toCart(r) : null;
}

export async function saveCart(em: EntityManager, c: CartRecord): Promise<void> {
  await em.execute(
    `insert into carts (cart_id, retailer_id, storefront_id, currency_code, customer_id, status, cart_lines, event_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on duplicate key update retailer_id = values(retailer_id), storefront_id = values(storefront_id),
       currency_code = values(currency_code), customer_id = values(customer_id), status = values(status),
       cart_lines = values(cart_lines), event_at = values(event_at)`,
    [
      c.cartId,
      c.retailerId,
      c.storefrontId,
      c.currencyCode,
      c.customerId,
      c.status,
      JSON.stringify(c.lines),
      c.eventAt,
    ],
  );
}

export async function findListingPrices(
  em: EntityManager,
  listingIds: readonly string[],
): Promise<Map<string, ListingPriceRecord>> {
  if (!listingIds.length) return new Map();
  const found = await rows<{
    listing_id: string;
    retailer_id: string;
    variant_id: string;
    brand_id: string;
    price_minor: number | string | null;
    currency_code: string | null;
    title: string | null;
    sellable: number;
    event_at: Date | string;
  }>(em, `select * from listing_prices where listing_id in (${placeholders(listingIds.length)})`, [
    ...listingIds,
  ]);
  return new Map(
    found.map((r) => [
      r.listing_id,
      {
        listingId: r.listing_id,
        retailerId: r.retailer_id,
        variantId: r.variant_id,
        brandId: r.brand_id,
        priceMinor: r.price_minor === null ? null : Number(r.price_minor),
        currencyCode: r.currency_code,
        title: r.title,
        sellable: Number(r.sellable) === 1,
        eventAt: dbDate(r.event_at),
      },
    ]),
  );
}

export async function saveListingPrice(em: EntityManager, l: ListingPriceRecord): Promise<void> {
  await em.execute(
    `insert into listing_prices (listing_id, retailer_id, variant_id, brand_id, price_minor, currency_code, title, sellable, event_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)
     on duplicate key update retailer_id = values(retailer_id), variant_id = values(variant_id),
       brand_id = values(brand_id), price_minor = values(price_minor), currency_code = values(currency_code),
       title = values(title), sellable = values(sellable), event_at = values(event_at)`,
    [
      l.listingId,
      l.retailerId,
      l.variantId,
      l.brandId,
      l.priceMinor,
      l.currencyCode,
      l.title,
      l.sellable ? 1 : 0,
      l.eventAt,
    ],
  );
}

/** A stored row's event time (and status, for tie-breaks), locked for the consumer's transaction. */
export async function findStamp(
  em: EntityManager,
  table: 'carts' | 'listing_prices' | 'offers' | 'stock_totals' | 'fulfil_connections' | 'platform_fees',
  where: Record<string, string>,
): Promise<{ eventAt: Date; status: string; sellable: boolean } | null> {
  const cols = Object.keys(where);
  const status =
    table === 'carts' || table === 'fulfil_connections' ? 'status' : table === 'listing_prices' ? "''" : "''";
  const sellable = table === 'listing_prices' ? 'sellable' : '0';
  const [r] = await rows<{ event_at: Date | string; status: string; sellable: number }>(
    em,
    `select event_at, ${status} as status, ${sellable} as sellable from ${table}
     where ${cols.map((c) => `${c} = ?`).join(' and ')} for update`,
    Object.values(where),
  );
  return r ? { eventAt: dbDate(r.event_at), status: r.status, sellable: Number(r.sellable) === 1 } : null;
}

export async function saveOffer(em: EntityManager, o: OfferRecord): Promise<void> {
  await em.execute(
    `insert into offers (offer_id, supplier_id, brand_id, variant_id, wholesale_minor, currency_code, minimum_order_quantity, active, event_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)
     on duplicate key update supplier_id = values(supplier_id), brand_id = values(brand_id),
       variant_id = values(variant_id), wholesale_minor = values(wholesale_minor), currency_code = values(currency_code),
       minimum_order_quantity = values(minimum_order_quantity), active = values(active), event_at = values(event_at)`,
    [
      o.offerId,
      o.supplierId,
      o.brandId,
      o.variantId,
      o.wholesaleMinor,
      o.currencyCode,
      o.minimumOrderQuantity,
      o.active ? 1 : 0,
      o.eventAt,
    ],
  );
}

export async function saveStock(em: EntityManager, s: StockRecord): Promise<void> {
  await em.execute(
    `insert into stock_totals (supplier_id, variant_id, total_available, event_at) values (?, ?, ?, ?)
     on duplicate key update total_available = values(total_available), event_at = values(event_at)`,
    [s.supplierId, s.variantId, s.totalAvailable, s.eventAt],
  );
}

export async function saveConnection(em: EntityManager, c: ConnectionRecord): Promise<void> {
  await em.execute(
    `insert into fulfil_connections (connection_id, supplier_id, brand_id, status, active, event_at)
     values (?, ?, ?, ?, ?, ?)
     on duplicate key update supplier_id = values(supplier_id), brand_id = values(brand_id),
       status = values(status), active = values(active), event_at = values(event_at)`,
    [c.connectionId, c.supplierId, c.brandId, c.status, c.active ? 1 : 0, c.eventAt],
  );
}

export async function savePlatformFee(em: EntityManager, f: PlatformFeeRecord): Promise<void> {
  await em.execute(
    `insert into platform_fees (organization_id, fee_bps, event_at) values (?, ?, ?)
     on duplicate key update fee_bps = values(fee_bps), event_at = values(event_at)`,
    [f.organizationId, f.feeBps, f.eventAt],
  );
}

/**
 * The retailer's plan fee in basis points, null until its plan's event has arrived. A plain read:
 * locking it would queue every checkout of the retailer behind one another.
 */
export async function findPlatformFeeBps(em: EntityManager, organizationId: string): Promise<number | null> {
  const [r] = await rows<{ fee_bps: number }>(
    em,
    'select fee_bps from platform_fees where organization_id = ?',
    [organizationId],
  );
  return r ? Number(r.fee_bps) : null;
}

/** A supplier able to fulfil a variant in a currency: connected to its brand, offering it, with its stock total. */
export interface Candidate {
  variantId: string;
  supplierId: string;
  wholesaleMinor: number;
  minimumOrderQuantity: number;
  totalAvailable: number;
}

/**
 * Per variant, the suppliers with an active offer in `currency` and an active
 * FULFILL_ORDERS connection to the offer's brand, with their stock totals (0
 * when unknown). One statement for the whole cart.
 */
export async function findCandidates(
  em: EntityManager,
  variantIds: readonly string[],
  currency: string,
): Promise<Candidate[]> {
  if (!variantIds.length) return [];
  const found = await rows<{
    variant_id: string;
    supplier_id: string;
    wholesale_minor: number | string;
    minimum_order_quantity: number;
    total_available: number | null;
  }>(
    em,
    `select o.variant_id, o.supplier_id, min(o.wholesale_minor) as wholesale_minor,
            min(o.minimum_order_quantity) as minimum_order_quantity, max(st.total_available) as total_available
     from offers o
     join fulfil_connections fc on fc.brand_id = o.brand_id and fc.supplier_id = o.supplier_id and fc.active = 1
     left join stock_totals st on st.supplier_id = o.supplier_id and st.variant_id = o.variant_id
     where o.variant_id in (${placeholders(variantIds.length)}) and o.currency_code = ? and o.active = 1
     group by o.variant_id, o.supplier_id`,
    [...variantIds, currency],
  );
  return found.map((r) => ({
    variantId: r.variant_id,
    supplierId: r.supplier_id,
    wholesaleMinor: Number(r.wholesale_minor),
    minimumOrderQuantity: Number(r.minimum_order_quantity),
    totalAvailable: Number(r.total_available ?? 0),
  }));
}
