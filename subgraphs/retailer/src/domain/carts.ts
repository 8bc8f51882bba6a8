import {
  badInput,
  type EntityManager,
  forkEm,
  newId,
  notFound,
  onTenant,
  parseId,
  registryOf,
  type TenantInfo,
  type TenantRegistry,
  tenantOfId,
  write,
} from '@tradegraph/shared';
import type { Cart, CartStatus } from '../entities/index.ts';
import { cartChanged, type Publisher } from '../events/publish.ts';
import type { RetailerContext } from '../services.ts';
import { listingsByIds } from '../store/browse.ts';
import {
  cartEventLines,
  cartLines,
  countLines,
  deleteExpiredCarts,
  findCartRow,
  findLine,
  findLineOfListing,
  flushCarts,
  insertCart,
  insertLine,
  lockCart,
  lockCartRecord,
  markCheckedOut,
  removeLine,
  retailerDatabases,
} from '../store/carts.ts';
import type { ListingView } from '../store/listings.ts';
import { loadAvailableQuantities } from '../store/projections.ts';
import { listingLoader } from './browse.ts';
import { fail } from './errors.ts';

/**
 * Carts live in the retailer's tenant database. A guest cart is reached by its
 * unguessable id alone; a signed-in customer's cart (created while signed in)
 * only by that customer — anyone else gets NOT_FOUND. Totals are computed at
 * read time from the listings' current prices. A cart expires CART_TTL_DAYS
 * after its last change; expired carts answer NOT_FOUND and are purged.
 * Every write announces the whole cart (retailer.cart.changed) for orders,
 * with each line's unit price at the time it was added or last changed; once
 * orders places an order for it the cart is CHECKED_OUT and changes no more.
 */

export const MAX_QUANTITY = 999;
export const MAX_LINES = 100;

export interface CartView {
  id: string;
  retailerId: string;
  storefrontId: string;
  customerId: string | null;
  currencyCode: string;
  status: CartStatus;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  lines: CartLineView[];
}

export interface CartLineView {
  id: string;
  listingId: string;
  quantity: number;
  /** null when the listing was removed or can no longer be seen by shoppers. */
  listing: ListingView | null;
  /** Units one can buy now (0 when the listing is not for sale or out of stock); see availableQuantities. */
  availableQuantity: number;
  createdAt: Date;
}

function customerIdOf(ctx: RetailerContext): string | null {
  return ctx.principal.kind === 'customer' ? ctx.principal.customerId : null;
}

function expiry(ctx: RetailerContext, from = new Date()): Date {
  return new Date(from.getTime() + ctx.services.config.CART_TTL_DAYS * 86_400_000);
}

/** Whether the principal may use this cart (guest carts: whoever holds the id). */
function mayUse(
  ctx: RetailerContext,
  cart: { customerId: string | null | undefined; expiresAt: Date },
): boolean {
  if (cart.expiresAt.getTime() <= Date.now()) return false;
  return !cart.customerId || cart.customerId === customerIdOf(ctx);
}

function quantityOf(value: unknown, allowZero: boolean): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw badInput('quantity must be an integer', 'quantity');
  if (value < (allowZero ? 0 : 1) || value > MAX_QUANTITY) {
    fail(
      'INVALID_QUANTITY',
      `The quantity must be between ${allowZero ? 0 : 1} and ${MAX_QUANTITY}`,
      'quantity',
    );
  }
  return value;
}

/**
 * How many of each listing can be bought now: 0 unless it is for sale and
 * marked available, else what one supplier can supply of its variant (the
 * stock and fulfilment projections that also derive `Listing.available`).
 */
async function availableQuantities(
  ctx: RetailerContext,
  listings: readonly (ListingView | null)[],
): Promise<Map<string, number>> {
  const buyable = listings.filter((l): l is ListingView => !!l?.visible && l.available);
  const byVariant = await loadAvailableQuantities(
    ctx.em,
    ctx.kernel.serviceDb,
    buyable.map((l) => l.variantId),
  );
  return new Map(buyable.map((l) => [l.id, byVariant.get(l.variantId) ?? 0]));
}

async function loadLines(ctx: RetailerContext, tenant: TenantInfo, cartId: string): Promise<CartLineView[]> {
  const found = await cartLines(ctx.em, tenant.dbName, cartId);
  const loaded = await listingLoader(ctx).loadMany(found.map((l) => l.listingId));
  const listings = loaded.map((l) => (l && !(l instanceof Error) && l.visible ? l : null));
  const quantities = await availableQuantities(ctx, listings);
  return found.map((l, i) => ({
    ...l,
    listing: listings[i] ?? null,
    availableQuantity: quantities.get(l.listingId) ?? 0,
  }));
}

function toCartView(c: Cart, tenant: TenantInfo, lines: CartLineView[]): CartView {
  return {
    id: c.id,
    retailerId: tenant.organizationId,
    storefrontId: c.storefrontId,
    customerId: c.customerId ?? null,
    currencyCode: c.currencyCode,
    status: c.status,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    expiresAt: c.expiresAt,
    lines,
  };
}

/** cart(id): the cart with its lines, or null when it does not exist, expired or is someone else's. */
export async function findCart(ctx: RetailerContext, id: unknown): Promise<CartView | null> {
  const key = parseId(id, 'crt')?.tenantKey;
  const tenant = key ? await registryOf(ctx).byKey(key) : null;
  if (!tenant) return null;
  const cart = await findCartRow(onTenant(ctx, tenant).em, id as string);
  if (!cart || !mayUse(ctx, cart)) return null;
  return toCartView(cart, tenant, await loadLines(ctx, tenant, cart.id));
}

export async function createCart(ctx: RetailerContext, input: { storefrontSlug: string }): Promise<CartView> {
  if (ctx.principal.kind === 'router') throw badInput('The router cannot own carts');
  const slug = typeof input.storefrontSlug === 'string' ? input.storefrontSlug.trim().toLowerCase() : '';
  const sf = slug.length <= 64 ? await ctx.services.directory.bySlug(ctx.em, slug) : null;
  if (!sf?.published) {
    return fail('STOREFRONT_NOT_FOUND', 'No published storefront has this slug', 'storefrontSlug');
  }
  const tenant = await registryOf(ctx).byOrganization(sf.retailerId);
  if (!tenant) return fail('STOREFRONT_NOT_FOUND', 'No published storefront has this slug', 'storefrontSlug');
  const now = new Date();
  const cart = await write(ctx, { permission: 'public', tenant }, async (tx) => {
    const c = insertCart(tx.em, {
      id: newId('crt', tenant.tenantKey),
      storefrontId: sf.id,
      customerId: customerIdOf(ctx),
      currencyCode: sf.currencyCode,
      status: 'OPEN',
      createdAt: now,
      updatedAt: now,
      expiresAt: expiry(ctx, now),
    });
    cartChanged(tx, { ...cartFacts(c, tenant), lines: [] });
    return c;
  });
  return toCartView(cart, tenant, []);
}

function cartFacts(
  c: Pick<Cart, 'id' | 'storefrontId' | 'customerId' | 'currencyCode' | 'status'>,
  tenant: TenantInfo,
) {
  return {
    cartId: c.id,
    retailerId: tenant.organizationId,
    storefrontId: c.storefrontId,
    currencyCode: c.currencyCode,
    customerId: c.customerId ?? null,
    status: c.status,
  };
}

/** Runs a cart change in a transaction holding the cart row lock; NOT_FOUND for carts the principal may not use. */
async function changeCart(
  ctx: RetailerContext,
  cartId: unknown,
  change: (tx: RetailerContext, cart: Cart, tenant: TenantInfo) => Promise<void>,
): Promise<CartView> {
  const tenant = await tenantOfId(ctx, cartId, 'crt', 'Cart');
  const cart = await write(ctx, { permission: 'public', tenant }, async (tx) => {
    const c = await lockCart(tx.em, cartId as string);
    if (!c || !mayUse(ctx, c)) throw notFound('Cart');
    if (c.status !== 'OPEN')
      fail('CART_CHECKED_OUT', 'This cart was checked out; start a new cart', 'cartId');
    await change(tx, c, tenant);
    const now = new Date();
    c.updatedAt = now;
    c.expiresAt = expiry(ctx, now);
    await flushCarts(tx.em);
    cartChanged(tx, { ...cartFacts(c, tenant), lines: await cartEventLines(tx.em, tenant.dbName, c.id) });
    return c;
  });
  return toCartView(cart, tenant, await loadLines(ctx, tenant, cart.id));
}

/**
 * One of the cart retailer's listings, read in the cart's transaction (`tx.em`).
 * Not through the request's listing loader: that reads on another pooled
 * connection, and a unit holding its own connection while waiting for a second
 * deadlocks the pool once as many carts change at once as there are connections.
 */
async function cartListing(tx: RetailerContext, tenant: TenantInfo, listingId: unknown) {
  if (typeof listingId !== 'string' || parseId(listingId, 'lst')?.tenantKey !== tenant.tenantKey) return null;
  const [listing] = await listingsByIds(
    tx.em,
    { tenantDb: tenant.dbName, serviceDb: tx.kernel.serviceDb, retailerId: tenant.organizationId },
    [listingId],
  );
  return listing ?? null;
}

/** A listing shoppers can buy now on the cart's storefront, or a userError. */
async function purchasableListing(ctx: RetailerContext, cart: Cart, tenant: TenantInfo, listingId: unknown) {
  const listing = await cartListing(ctx, tenant, listingId);
  if (
    !listing ||
    listing.retailerId !== tenant.organizationId ||
    listing.storefrontId !== cart.storefrontId
  ) {
    return fail('LISTING_NOT_FOUND', 'This storefront has no such listing', 'listingId');
  }
  if (!listing.visible) return fail('LISTING_UNAVAILABLE', 'This listing is no longer for sale', 'listingId');
  if (!listing.available) return fail('OUT_OF_STOCK', 'This item is out of stock', 'listingId');
  return listing;
}

/** OUT_OF_STOCK ("Only N available") when a line of `quantity` units of the listing cannot be bought now. */
async function requireInStock(ctx: RetailerContext, listing: ListingView, quantity: number): Promise<void> {
  const available = (await availableQuantities(ctx, [listing])).get(listing.id) ?? 0;
  if (quantity > available) fail('OUT_OF_STOCK', `Only ${available} available`, 'quantity');
}

export function addCartLine(
  ctx: RetailerContext,
  input: { cartId: string; listingId: string; quantity: number },
) {
  const quantity = quantityOf(input.quantity, false);
  return changeCart(ctx, input.cartId, async (tx, cart, tenant) => {
    const listing = await purchasableListing(tx, cart, tenant, input.listingId);
    const existing = await findLineOfListing(tx.em, cart.id, listing.id);
    const now = new Date();
    if (existing) {
      const total = existing.quantity + quantity;
      if (total > MAX_QUANTITY) {
        fail('INVALID_QUANTITY', `At most ${MAX_QUANTITY} of one item per cart`, 'quantity');
      }
      await requireInStock(tx, listing, total);
      existing.quantity = total;
      existing.unitPriceMinor = listing.priceMinor;
      existing.updatedAt = now;
      return;
    }
    if ((await countLines(tx.em, cart.id)) >= MAX_LINES) {
      fail('CART_FULL', `A cart holds at most ${MAX_LINES} different items`, 'listingId');
    }
    await requireInStock(tx, listing, quantity);
    insertLine(tx.em, {
      id: newId('cln', tenant.tenantKey),
      cartId: cart.id,
      listingId: listing.id,
      quantity,
      unitPriceMinor: listing.priceMinor,
      createdAt: now,
      updatedAt: now,
    });
  });
}

export function updateCartLine(
  ctx: RetailerContext,
  input: { cartId: string; lineId: string; quantity: number },
) {
  const quantity = quantityOf(input.quantity, true);
  return changeCart(ctx, input.cartId, async (tx, cart, tenant) => {
    const line = typeof input.lineId === 'string' ? await findLine(tx.em, input.lineId) : null;
    if (!line || line.cartId !== cart.id)
      return fail('LINE_NOT_FOUND', 'This cart has no such line', 'lineId');
    if (quantity === 0) {
      removeLine(tx.em, line);
      return;
    }
    // lowering a line is always allowed (also one that became short); raising it needs the stock
    if (quantity > line.quantity) {
      const listing = await purchasableListing(tx, cart, tenant, line.listingId);
      await requireInStock(tx, listing, quantity);
    }
    // a changed line takes the price shown now (while the listing is still for sale)
    const current = await cartListing(tx, tenant, line.listingId);
    if (current?.visible) line.unitPriceMinor = current.priceMinor;
    line.quantity = quantity;
    line.updatedAt = new Date();
  });
}

export function removeCartLine(ctx: RetailerContext, input: { cartId: string; lineId: string }) {
  return changeCart(ctx, input.cartId, async (tx, cart) => {
    const line = typeof input.lineId === 'string' ? await findLine(tx.em, input.lineId) : null;
    if (!line || line.cartId !== cart.id)
      return fail('LINE_NOT_FOUND', 'This cart has no such line', 'lineId');
    removeLine(tx.em, line);
  });
}

/** The line can be bought now: its listing is still for sale and in stock. */
export function purchasable(line: CartLineView): boolean {
  return !!line.listing && line.listing.available;
}

/** The line can be checked out as it is: purchasable and no more units than can be bought now. */
export function lineAvailable(line: CartLineView): boolean {
  return purchasable(line) && line.quantity <= line.availableQuantity;
}

/** The cart is open, has lines and every one of them is available. */
export function canCheckOut(cart: CartView): boolean {
  return cart.status === 'OPEN' && cart.lines.length > 0 && cart.lines.every(lineAvailable);
}

/**
 * orders.order.placed: the cart it was placed from is CHECKED_OUT (no more
 * changes) and announced so. Idempotent: a cart already closed, unknown
 * (purged) or not the order's retailer's is left alone. Runs in the event
 * handler's transaction (`em`, service database; the tenant's tables by name).
 */
export async function closeCheckedOutCart(
  em: EntityManager,
  out: Publisher,
  registry: TenantRegistry,
  order: { cartId: string; orderId: string; retailerId: string },
): Promise<boolean> {
  const key = parseId(order.cartId, 'crt')?.tenantKey;
  const tenant = key ? await registry.byKey(key) : null;
  if (!tenant || tenant.organizationId !== order.retailerId) return false;
  const cart = await lockCartRecord(em, tenant.dbName, order.cartId);
  if (!cart || cart.status !== 'OPEN') return false;
  await markCheckedOut(em, tenant.dbName, cart.id, order.orderId, new Date());
  cartChanged(out, {
    ...cartFacts({ ...cart, status: 'CHECKED_OUT' }, tenant),
    lines: await cartEventLines(em, tenant.dbName, cart.id),
  });
  return true;
}

/** Current price × quantity; null (and nothing in the subtotal) when the line cannot be bought now. */
export function lineTotalMinor(line: CartLineView): number | null {
  return purchasable(line) ? line.listing!.priceMinor * line.quantity : null;
}

export function subtotalMinor(cart: CartView): number {
  return cart.lines.reduce((sum, l) => sum + (lineTotalMinor(l) ?? 0), 0);
}

/** Deletes expired carts and their lines in every tenant database (runs on a timer). */
export async function purgeExpiredCarts(ctx: RetailerContext): Promise<number> {
  const em = forkEm(ctx.kernel.orm);
  const { serviceDb } = ctx.kernel;
  let purged = 0;
  for (const db of await retailerDatabases(em, serviceDb))
    purged += await deleteExpiredCarts(em, db, new Date());
  return purged;
}
