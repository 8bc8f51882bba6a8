import { LockMode, type RequiredEntityData } from '@mikro-orm/core';
import { type EntityManager, qualified, rows } from '@tradegraph/shared';
import { Cart, CartLine, type CartStatus } from '../entities/index.ts';

/** Carts and their lines in a retailer's tenant database (SQL and ORM only, rows parsed here). */

export function findCartRow(em: EntityManager, id: string): Promise<Cart | null> {
  return em.findOne(Cart, { id });
}

/** The cart, locked for update: changes of one cart run one after the other. */
export function lockCart(em: EntityManager, id: string): Promise<Cart | null> {
  return em.findOne(Cart, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** A new cart, flushed with the unit of work. */
export function insertCart(em: EntityManager, data: RequiredEntityData<Cart>): Cart {
  return em.create(Cart, data);
}

export function findLine(em: EntityManager, id: string): Promise<CartLine | null> {
  return em.findOne(CartLine, { id });
}

export function findLineOfListing(
  em: EntityManager,
  cartId: string,
  listingId: string,
): Promise<CartLine | null> {
  return em.findOne(CartLine, { cartId, listingId });
}

export function countLines(em: EntityManager, cartId: string): Promise<number> {
  return em.count(CartLine, { cartId });
}

/** A new line, flushed with the unit of work. */
export function insertLine(em: EntityManager, data: RequiredEntityData<CartLine>): CartLine {
  return em.create(CartLine, data);
}

/** Deletes the line with the unit of work. */
export function removeLine(em: EntityManager, line: CartLine): void {
  em.remove(line);
}

export interface CartLineRecord {
  id: string;
  listingId: string;
  quantity: number;
  createdAt: Date;
}

/** A cart's lines, oldest first. */
export async function cartLines(
  em: EntityManager,
  tenantDb: string,
  cartId: string,
): Promise<CartLineRecord[]> {
  const found = await rows<{ id: string; listing_id: string; quantity: number; created_at: Date | string }>(
    em,
    `select id, listing_id, quantity, created_at from ${qualified(tenantDb, 'cart_lines')}
     where cart_id = ? order by created_at, id`,
    [cartId],
  );
  return found.map((l) => ({
    id: l.id,
    listingId: l.listing_id,
    quantity: Number(l.quantity),
    createdAt: new Date(l.created_at),
  }));
}

/** A cart line as retailer.cart.changed announces it. */
export interface CartEventLine {
  lineId: string;
  listingId: string;
  variantId: string;
  brandId: string;
  quantity: number;
  /** The price the line was added or last changed at; the listing's current price for older lines. */
  unitPriceMinor: number;
  title: string;
}

/** A cart's lines with their listings' variant, brand and title, oldest first (sees the transaction's writes). */
export async function cartEventLines(
  em: EntityManager,
  tenantDb: string,
  cartId: string,
): Promise<CartEventLine[]> {
  const found = await rows<{
    id: string;
    listing_id: string;
    variant_id: string;
    brand_id: string;
    quantity: number;
    unit_price_minor: number | string;
    title: string;
  }>(
    em,
    `select cl.id, cl.listing_id, l.variant_id, l.brand_id, cl.quantity,
            coalesce(cl.unit_price_minor, l.price_minor) as unit_price_minor, l.title
     from ${qualified(tenantDb, 'cart_lines')} cl join ${qualified(tenantDb, 'listings')} l on l.id = cl.listing_id
     where cl.cart_id = ? order by cl.created_at, cl.id`,
    [cartId],
  );
  return found.map((l) => ({
    lineId: l.id,
    listingId: l.listing_id,
    variantId: l.variant_id,
    brandId: l.brand_id,
    quantity: Number(l.quantity),
    unitPriceMinor: Number(l.unit_price_minor),
    title: l.title,
  }));
}

/** Writes the unit of work's pending changes, so statements after it see them. */
export function flushCarts(em: EntityManager): Promise<void> {
  return em.flush();
}

/** A cart row read by SQL (event handlers work on the service database's transaction). */
export interface CartRecord {
  id: string;
  storefrontId: string;
  customerId: string | null;
  currencyCode: string;
  status: CartStatus;
}

/** The cart, locked for update (as lockCart), or null. */
export async function lockCartRecord(
  em: EntityManager,
  tenantDb: string,
  id: string,
): Promise<CartRecord | null> {
  const [r] = await rows<{
    id: string;
    storefront_id: string;
    customer_id: string | null;
    currency_code: string;
    status: CartStatus;
  }>(
    em,
    `select id, storefront_id, customer_id, currency_code, status from ${qualified(tenantDb, 'carts')}
     where id = ? for update`,
    [id],
  );
  return r
    ? {
        id: r.id,
        storefrontId: r.storefront_id,
        customerId: r.customer_id,
        currencyCode: r.currency_code,
        status: r.status,
      }
    : null;
}

/** Closes the cart for the order placed from it. */
export async function markCheckedOut(
  em: EntityManager,
  tenantDb: string,
  id: string,
  orderId: string,
  at: Date,
): Promise<void> {
  await em.execute(
    `update ${qualified(tenantDb, 'carts')}
     set status = 'CHECKED_OUT', order_id = ?, checked_out_at = ?, updated_at = ? where id = ?`,
    [orderId, at, at, id],
  );
}

/** The tenant databases of every retailer (the service database's registry). */
export async function retailerDatabases(em: EntityManager, serviceDb: string): Promise<string[]> {
  const found = await rows<{ db_name: string }>(
    em,
    `select db_name from ${qualified(serviceDb, 'tenants')} where kind = 'RETAILER'`,
  );
  return found.map((r) => r.db_name);
}

/** Deletes the carts of one tenant database that expired by `now`, with their lines; returns how many carts. */
export async function deleteExpiredCarts(em: EntityManager, tenantDb: string, now: Date): Promise<number> {
  const C = qualified(tenantDb, 'carts');
  const CL = qualified(tenantDb, 'cart_lines');
  let purged = 0;
  await em.transactional(async (tx) => {
    await tx.execute(`delete cl from ${CL} cl join ${C} c on c.id = cl.cart_id where c.expires_at <= ?`, [
      now,
    ]);
    const res = (await tx.execute(`delete from ${C} where expires_at <= ?`, [now], 'run')) as {
      affectedRows: number;
    };
    purged = res.affectedRows;
  });
  return purged;
}
