import { fromMinorUnits, isDuplicateKey, newId, read, type UnitContext, write } from '@tradegraph/shared';
import { orderPlaced, reservationRequested, statusChanged } from '../events/publish.ts';
import type { OrdersContext, OrdersServices } from '../services.ts';
import {
  findIdempotencyKey,
  findOrder,
  type GroupRecord,
  insertGroups,
  insertHistory,
  insertIdempotencyKey,
  insertLines,
  insertOrder,
  insertSaga,
  insertSagaLog,
  type LineRecord,
  liveOrdersOfCart,
  nextOrderSeq,
  type OrderRecord,
} from '../store/orders.ts';
import {
  type CartRecord,
  findCandidates,
  findCart,
  findListingPrices,
  findPlatformFeeBps,
} from '../store/projections.ts';
import { findRules } from '../store/rules.ts';
import { accessTokenFor, actorOf, hashToken, type OrderView } from './access.ts';
import { fail, failAll } from './errors.ts';
import { retailerShare, routeLines } from './routing.ts';

export interface CheckoutInput {
  cartId: string;
  email: string;
  shippingAddress: Record<string, unknown>;
  paymentToken: string;
  idempotencyKey: string;
}

export interface CheckoutResult {
  order: OrderView;
  orderAccessToken: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The rule for checkout input (pure): a plausible email, a token and a key of bounded length. */
export function validateCheckout(input: CheckoutInput): CheckoutInput {
  const email = input.email.trim();
  const key = input.idempotencyKey.trim();
  const token = input.paymentToken.trim();
  if (!email) fail('REQUIRED', 'An email is required', 'email');
  if (email.length > 254) fail('TOO_LONG', 'The email may have at most 254 characters', 'email');
  if (!EMAIL.test(email)) fail('INVALID', `"${email}" is not an email address`, 'email');
  if (!key) fail('REQUIRED', 'An idempotency key is required', 'idempotencyKey');
  if (key.length > 100)
    fail('TOO_LONG', 'The idempotency key may have at most 100 characters', 'idempotencyKey');
  if (!token) fail('REQUIRED', 'A payment token is required', 'paymentToken');
  if (token.length > 200)
    fail('TOO_LONG', 'The payment token may have at most 200 characters', 'paymentToken');
  return { ...input, email, idempotencyKey: key, paymentToken: token };
}

const money = (minor: number, currency: string) => {
  const m = fromMinorUnits(minor, currency);
  return `${m.amount} ${m.currencyCode}`;
};

/**
 * Checkout: settle first (the cart projection includes the shopper's last
 * change), then one unit of work. A concurrent request with the same
 * idempotency key either waits on the cart row and finds the key, or loses
 * the key's unique index and reads the winner's order.
 */
export async function checkout(ctx: OrdersContext, raw: CheckoutInput): Promise<CheckoutResult> {
  const input = validateCheckout(raw);
  const customerId = ctx.principal.kind === 'customer' ? ctx.principal.customerId : null;
  await ctx.kernel.settle();
  try {
    return await write(ctx, { permission: 'public', tenant: 'service', attempts: 5 }, (tx) =>
      placeOrder(tx, input, customerId),
    );
  } catch (err) {
    if (!isDuplicateKey(err, 'idempotency_keys_uq')) throw err;
    return read(ctx, { permission: 'public', tenant: 'service' }, async (rx) => {
      const replay = await replayOf(rx.em, rx.services, input, customerId);
      return replay ?? fail('CONFLICT', 'The request changed concurrently; please retry');
    });
  }
}

/** The order an earlier request with this key made, when it was for the same cart and shopper; CONFLICT otherwise. */
async function replayOf(
  em: UnitContext<OrdersServices>['em'],
  services: OrdersServices,
  input: CheckoutInput,
  customerId: string | null,
): Promise<CheckoutResult | null> {
  const known = await findIdempotencyKey(em, input.idempotencyKey, false);
  if (!known) return null;
  const order = await findOrder(em, known.orderId);
  if (known.cartId !== input.cartId || !order || order.customerId !== customerId)
    fail('CONFLICT', 'This idempotency key was used for another checkout', 'idempotencyKey');
  return {
    order: { order: order!, scope: { kind: 'all' } },
    orderAccessToken: order!.customerId
      ? null
      : accessTokenFor(services.config.ORDERS_ACCESS_TOKEN_SECRET, order!.id),
  };
}

async function placeOrder(
  tx: UnitContext<OrdersServices>,
  input: CheckoutInput,
  customerId: string | null,
): Promise<CheckoutResult> {
  const { em, services } = tx;
  const config = services.config;
  // the cart row first, locked: checkouts of one cart run one after the other, and
  // every read after it is a locking read that sees the latest committed rows
  const cart = await findCart(em, input.cartId, true);
  const replay = await replayOf(em, services, input, customerId);
  if (replay) return replay;
  if (!cart || (cart.customerId !== null && cart.customerId !== customerId))
    fail('NOT_FOUND', 'Cart not found', 'cartId');
  const c = cart!;
  if (c.status !== 'OPEN')
    fail('CART_CLOSED', `The cart is ${c.status.toLowerCase().replace('_', ' ')}`, 'cartId');
  if (!c.lines.length) fail('CART_EMPTY', 'The cart is empty', 'cartId');
  if ((await liveOrdersOfCart(em, c.cartId)).length)
    fail('CONFLICT', 'This cart already has an order', 'cartId');

  checkPrices(
    c,
    await findListingPrices(
      em,
      c.lines.map((l) => l.listingId),
    ),
  );

  const rules = await findRules(em, c.retailerId);
  const candidates = await findCandidates(em, [...new Set(c.lines.map((l) => l.variantId))], c.currencyCode);
  const routing = routeLines(
    c.lines.map((l) => ({ key: l.lineId, variantId: l.variantId, quantity: l.quantity })),
    candidates,
    rules,
  );
  if (!routing.ok) {
    if (routing.reason === 'TOO_MANY_SUPPLIERS')
      fail(
        'TOO_MANY_SUPPLIERS',
        `The order needs ${routing.suppliers} suppliers; the storefront allows ${rules.maxSuppliersPerOrder}`,
      );
    failAll(
      c.lines
        .map((l, i) => ({ l, i }))
        .filter(
          ({ l }) =>
            routing.ok === false && routing.reason === 'UNROUTABLE' && routing.lines.includes(l.lineId),
        )
        .map(({ l, i }) => ({
          code: 'OUT_OF_STOCK' as const,
          message: `${l.title}: ${l.quantity} cannot be supplied now`,
          field: ['lines', String(i)],
        })),
    );
  }
  const routes = routing.ok ? routing.routes : new Map();

  // the retailer's plan fee (platform.subscription.changed), the setting until its plan is known:
  // the fee payments' split will take
  const bps = {
    brandCommission: config.PAYMENTS_BRAND_COMMISSION_BPS,
    platformFee: (await findPlatformFeeBps(em, c.retailerId)) ?? config.PAYMENTS_PLATFORM_FEE_BPS,
  };
  const belowCost = c.lines
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => {
      const amount = BigInt(l.unitPriceMinor) * BigInt(l.quantity);
      return (
        retailerShare(amount, BigInt(routes.get(l.lineId)!.wholesaleMinor) * BigInt(l.quantity), bps) < 0n
      );
    });
  if (belowCost.length)
    failAll(
      belowCost.map(({ l, i }) => ({
        code: 'PRICE_BELOW_COST' as const,
        message: `${l.title} cannot be sold at ${money(l.unitPriceMinor, c.currencyCode)}`,
        field: ['lines', String(i)],
      })),
    );

  const now = new Date();
  const orderId = newId('ord');
  const seq = await nextOrderSeq(em);
  const groupsBySupplier = new Map<string, GroupRecord>();
  for (const l of c.lines) {
    const supplierId = routes.get(l.lineId)!.supplierId;
    if (!groupsBySupplier.has(supplierId))
      groupsBySupplier.set(supplierId, {
        id: newId('ofg'),
        orderId,
        supplierId,
        reservationStatus: 'REQUESTED',
      });
  }
  const lines: LineRecord[] = c.lines.map((l, position) => {
    const route = routes.get(l.lineId)!;
    return {
      id: newId('oln'),
      orderId,
      groupId: groupsBySupplier.get(route.supplierId)!.id,
      position,
      listingId: l.listingId,
      variantId: l.variantId,
      brandId: l.brandId,
      supplierId: route.supplierId,
      title: l.title,
      quantity: l.quantity,
      unitPriceMinor: l.unitPriceMinor,
      wholesaleUnitMinor: route.wholesaleMinor,
      refundedQuantity: 0,
    };
  });
  const groups = [...groupsBySupplier.values()];
  const token = customerId ? null : accessTokenFor(config.ORDERS_ACCESS_TOKEN_SECRET, orderId);
  const order: OrderRecord = {
    id: orderId,
    number: `TG-${String(seq).padStart(6, '0')}`,
    cartId: c.cartId,
    retailerId: c.retailerId,
    storefrontId: c.storefrontId,
    customerId,
    email: input.email,
    accessTokenHash: token ? hashToken(token) : null,
    shippingAddress: JSON.stringify(input.shippingAddress),
    paymentId: newId('pay'),
    paymentToken: input.paymentToken,
    idempotencyKey: input.idempotencyKey,
    currencyCode: c.currencyCode,
    totalMinor: lines.reduce((n, l) => n + l.unitPriceMinor * l.quantity, 0),
    status: 'PENDING',
    statusReason: null,
    createdAt: now,
    updatedAt: now,
  };
  const deadline = new Date(now.getTime() + config.ORDERS_RESERVATION_DEADLINE_MS);
  await insertIdempotencyKey(em, {
    key: input.idempotencyKey,
    retailerId: c.retailerId,
    cartId: c.cartId,
    orderId,
    at: now,
  });
  await insertOrder(em, order);
  await insertGroups(em, groups, now);
  await insertLines(em, lines);
  await insertSaga(
    em,
    {
      orderId,
      step: 'RESERVING',
      deadline,
      paymentStatus: 'NONE',
      voidRequested: false,
      refundPending: false,
    },
    now,
  );
  const actor = actorOf(tx.principal);
  await insertHistory(em, { orderId, status: 'PENDING', previousStatus: null, at: now, actor, reason: null });
  const events = [
    orderPlaced(tx, order, lines, groups),
    statusChanged(tx, order, lines, {
      previousStatus: null,
      status: 'PENDING',
      reason: null,
      actor,
      at: now,
    }),
    ...groups.map((g) => reservationRequested(tx, order, g, lines, deadline)),
  ];
  for (const e of events)
    await insertSagaLog(em, { orderId, at: now, direction: 'OUT', type: e.type, eventId: e.id });
  return { order: { order, scope: { kind: 'all' } }, orderAccessToken: token };
}

/**
 * Every line's unit price must equal the listing's current price, in the
 * cart's currency, on a listing still sold (all problems reported at once).
 */
function checkPrices(cart: CartRecord, prices: Awaited<ReturnType<typeof findListingPrices>>) {
  const errors: Parameters<typeof failAll>[0] = [];
  cart.lines.forEach((l, i) => {
    const field = ['lines', String(i)];
    const p = prices.get(l.listingId);
    if (!p || !p.sellable || p.priceMinor === null) {
      errors.push({ code: 'NOT_AVAILABLE', message: `${l.title} is no longer sold here`, field });
    } else if (p.currencyCode !== cart.currencyCode) {
      errors.push({
        code: 'CURRENCY_MISMATCH',
        message: `${l.title} is not sold in ${cart.currencyCode} any more`,
        field,
      });
    } else if (p.priceMinor !== l.unitPriceMinor) {
      errors.push({
        code: 'PRICE_CHANGED',
        message: `${l.title} now costs ${money(p.priceMinor, cart.currencyCode)} (was ${money(l.unitPriceMinor, cart.currencyCode)})`,
        field,
      });
    }
  });
  if (errors.length) failAll(errors);
}
