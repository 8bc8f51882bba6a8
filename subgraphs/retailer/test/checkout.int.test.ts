import { newId, tenantKeyOf } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_LISTING,
  CREATE_STOREFRONT,
  customer,
  type Harness,
  network,
  orgId,
  PUBLISH,
  startHarness,
} from './harness.ts';

/**
 * What the order saga needs from retailer: every cart write announces the whole
 * cart (retailer.cart.changed, with the unit price each line was added at), the
 * listing events carry the current price (also after a repricing from the
 * projections), and orders.order.placed closes the cart.
 */

let h: Harness;
let net: ReturnType<typeof network>;
let r: Awaited<ReturnType<ReturnType<typeof network>['retailer']>>;
const brand = orgId();
const supplier = orgId();
let productId: string;
let variants: string[];
let sfId: string;
let msrpListing: string;
let wholesaleListing: string;

const CART_FIELDS = 'id status canCheckOut lines { id quantity available }';
const CREATE = `mutation($i: CreateCartInput!) { createCart(input: $i) { cart { ${CART_FIELDS} } userErrors { code } } }`;
const ADD = `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const UPDATE = `mutation($i: UpdateCartLineInput!) { updateCartLine(input: $i) { cart { ${CART_FIELDS} } userErrors { code field } } }`;
const REMOVE = `mutation($i: RemoveCartLineInput!) { removeCartLine(input: $i) { cart { ${CART_FIELDS} } userErrors { code field } } }`;
const CART = `query($id: ID!) { cart(id: $id) { ${CART_FIELDS} } }`;

const mug = (msrpWhite: string) =>
  net.product(brand, {
    productId,
    name: 'Mug',
    variants: [
      {
        variantId: variants[0],
        sku: 'M1',
        options: [{ name: 'Color', value: 'White' }],
        msrp: [msrpWhite, 'EUR'],
      },
      {
        variantId: variants[1],
        sku: 'M2',
        options: [{ name: 'Color', value: 'Black' }],
        msrp: ['999', 'EUR'],
      },
    ],
  });

const lastEvent = async (type: 'retailer.cart.changed' | 'retailer.listing.changed', id: string) =>
  (await h.outbox(type, id)).at(-1)!;

beforeAll(async () => {
  h = await startHarness();
  net = network(h);
  r = await net.retailer();
  await net.connect(brand, r.id);
  await net.fulfil(supplier, brand);
  const p = await net.product(brand, {
    name: 'Mug',
    variants: [
      { sku: 'M1', options: [{ name: 'Color', value: 'White' }], msrp: ['1250', 'EUR'] },
      { sku: 'M2', options: [{ name: 'Color', value: 'Black' }], msrp: ['999', 'EUR'] },
    ],
  });
  productId = p.productId;
  variants = p.variantIds;
  for (const variantId of variants)
    await net.stock({ supplierId: supplier, brandId: brand, variantId, totalAvailable: 50 });
  await net.offer({
    supplierId: supplier,
    brandId: brand,
    variantId: variants[1]!,
    wholesale: ['400', 'EUR'],
  });
  const sf = await h.call(
    CREATE_STOREFRONT,
    { i: { name: 'Cups', slug: 'cups', currencyCode: 'EUR' } },
    r.user,
  );
  sfId = sf.data!.createStorefront.storefront.id;
  const a = await h.call(CREATE_LISTING, { i: { storefrontId: sfId, variantId: variants[0] } }, r.user);
  msrpListing = a.data!.createListing.listing.id;
  const b = await h.call(
    CREATE_LISTING,
    { i: { storefrontId: sfId, variantId: variants[1], markupPercent: '100', priceBasis: 'WHOLESALE' } },
    r.user,
  );
  wholesaleListing = b.data!.createListing.listing.id;
  await h.call(PUBLISH, { i: { id: sfId } }, r.user);
});
afterAll(async () => h?.stop());

const newCart = async (who?: ReturnType<typeof customer>) =>
  (await h.call(CREATE, { i: { storefrontSlug: 'cups' } }, who)).data!.createCart.cart.id as string;

/** orders.order.placed as orders publishes it (only what retailer reads matters). */
const placeOrder = (cartId: string, retailerId = r.id, orderId = newId('ord')) =>
  h.deliver(
    'orders.order.placed',
    {
      orderId,
      number: 'TG-000001',
      cartId,
      retailerId,
      storefrontId: sfId,
      customerId: null,
      currencyCode: 'EUR',
      totalMinor: '1250',
      lines: [],
      groups: [],
      placedAt: new Date().toISOString(),
    },
    { aggregateId: orderId, orgId: retailerId, source: 'orders' },
  );

describe('retailer.cart.changed', () => {
  it('announces the whole cart after every write, with the unit price each line was added at', async () => {
    const aliceId = newId('cus');
    const alice = customer(aliceId);
    const cartId = await newCart(alice);
    expect((await lastEvent('retailer.cart.changed', cartId)).payload).toEqual({
      cartId,
      retailerId: r.id,
      storefrontId: sfId,
      currencyCode: 'EUR',
      customerId: aliceId,
      status: 'OPEN',
      lines: [],
    });
    const added = await h.call(ADD, { i: { cartId, listingId: msrpListing, quantity: 2 } }, alice);
    const lineId = added.data!.addCartLine.cart.lines[0].id;
    await h.call(ADD, { i: { cartId, listingId: wholesaleListing, quantity: 1 } }, alice);
    const event = await lastEvent('retailer.cart.changed', cartId);
    expect(event.orgId).toBe(r.id);
    expect(event.payload.lines).toEqual([
      {
        lineId,
        listingId: msrpListing,
        variantId: variants[0],
        brandId: brand,
        quantity: 2,
        unitPriceMinor: '1250',
        title: 'Mug — White',
      },
      expect.objectContaining({ listingId: wholesaleListing, quantity: 1, unitPriceMinor: '800' }),
    ]);

    // the price moves: the line keeps the price it was added at until it changes
    await mug('1300');
    const before = (await h.outbox('retailer.cart.changed', cartId)).length;
    expect((await lastEvent('retailer.cart.changed', cartId)).payload.lines[0].unitPriceMinor).toBe('1250');
    await h.call(UPDATE, { i: { cartId, lineId, quantity: 3 } }, alice);
    const changed = await h.outbox('retailer.cart.changed', cartId);
    expect(changed).toHaveLength(before + 1);
    expect(changed.at(-1)!.payload.lines[0]).toMatchObject({ quantity: 3, unitPriceMinor: '1300' });

    await h.call(REMOVE, { i: { cartId, lineId } }, alice);
    expect(
      (await lastEvent('retailer.cart.changed', cartId)).payload.lines.map((l: any) => l.listingId),
    ).toEqual([wholesaleListing]);
    // a refused change announces nothing
    const refused = await h.call(ADD, { i: { cartId, listingId: wholesaleListing, quantity: 500 } }, alice);
    expect(refused.data!.addCartLine.userErrors[0].code).toBe('OUT_OF_STOCK');
    expect(await h.outbox('retailer.cart.changed', cartId)).toHaveLength(before + 2);
    await mug('1250');
  });

  it('a guest cart has no customer', async () => {
    const cartId = await newCart();
    await h.call(ADD, { i: { cartId, listingId: msrpListing, quantity: 1 } });
    expect((await lastEvent('retailer.cart.changed', cartId)).payload).toMatchObject({
      customerId: null,
      status: 'OPEN',
      lines: [expect.objectContaining({ quantity: 1 })],
    });
  });
});

describe('retailer.listing.changed carries the current price', () => {
  it('on create and update', async () => {
    expect((await h.outbox('retailer.listing.changed', msrpListing))[0]!.payload).toMatchObject({
      priceMinor: '1250',
      currencyCode: 'EUR',
      title: 'Mug — White',
    });
  });

  it('after a repricing from the MSRP, the wholesale offers or the storefront default markup', async () => {
    await mug('1400');
    expect((await lastEvent('retailer.listing.changed', msrpListing)).payload).toMatchObject({
      listingId: msrpListing,
      priceMinor: '1400',
      currencyCode: 'EUR',
      title: 'Mug — White',
      visible: true,
      removed: false,
    });
    await net.offer({
      supplierId: orgId(),
      brandId: brand,
      variantId: variants[1]!,
      wholesale: ['350', 'EUR'],
    });
    expect((await lastEvent('retailer.listing.changed', wholesaleListing)).payload).toMatchObject({
      priceMinor: '700',
      visible: true,
    });
    await h.call(
      `mutation($i: UpdateStorefrontInput!) { updateStorefront(input: $i) { userErrors { code } } }`,
      { i: { id: sfId, defaultMarkupPercent: '10' } },
      r.user,
    );
    // 14.00 + 10 %; the fixed-markup wholesale listing keeps its price and is not announced again
    expect((await lastEvent('retailer.listing.changed', msrpListing)).payload.priceMinor).toBe('1540');
    const wholesaleEvents = (await h.outbox('retailer.listing.changed', wholesaleListing)).length;
    // a stock change alone does not change the price: nothing announced
    await net.stock({ supplierId: supplier, brandId: brand, variantId: variants[1]!, totalAvailable: 40 });
    expect(await h.outbox('retailer.listing.changed', wholesaleListing)).toHaveLength(wholesaleEvents);
    await h.call(
      `mutation($i: UpdateStorefrontInput!) { updateStorefront(input: $i) { userErrors { code } } }`,
      { i: { id: sfId, defaultMarkupPercent: '0' } },
      r.user,
    );
    await mug('1250');
    expect((await lastEvent('retailer.listing.changed', msrpListing)).payload.priceMinor).toBe('1250');
  });
});

describe('orders.order.placed', () => {
  it('closes the cart once: CHECKED_OUT, announced, no more changes', async () => {
    const cartId = await newCart();
    const added = await h.call(ADD, { i: { cartId, listingId: msrpListing, quantity: 2 } });
    const lineId = added.data!.addCartLine.cart.lines[0].id;
    expect(added.data!.addCartLine.cart).toMatchObject({ status: 'OPEN', canCheckOut: true });
    const open = await lastEvent('retailer.cart.changed', cartId);
    expect(open.payload.lines).toEqual([expect.objectContaining({ lineId, quantity: 2 })]);
    const orderId = newId('ord');
    await placeOrder(cartId, r.id, orderId);

    expect((await h.call(CART, { id: cartId })).data!.cart).toMatchObject({
      status: 'CHECKED_OUT',
      canCheckOut: false,
      lines: [{ quantity: 2, available: true }],
    });
    const closed = await lastEvent('retailer.cart.changed', cartId);
    expect(closed.payload).toMatchObject({
      status: 'CHECKED_OUT',
      lines: open.payload.lines,
    });
    const [row] = await h.sql(
      `select status, order_id from \`${h.db.DB_PREFIX}retailer_${tenantKeyOf(r.id)}\`.carts where id = ?`,
      [cartId],
    );
    expect(row).toEqual({ status: 'CHECKED_OUT', order_id: orderId });

    for (const [query, input] of [
      [ADD, { cartId, listingId: wholesaleListing, quantity: 1 }],
      [UPDATE, { cartId, lineId, quantity: 1 }],
      [REMOVE, { cartId, lineId }],
    ] as const) {
      const res = await h.call(query, { i: input });
      const payload = Object.values(res.data!)[0] as { cart: unknown; userErrors: unknown };
      expect(payload).toEqual({
        cart: null,
        userErrors: [expect.objectContaining({ code: 'CART_CHECKED_OUT' })],
      });
    }

    // the same order again (a redelivery) and another order of the cart change nothing
    const count = (await h.outbox('retailer.cart.changed', cartId)).length;
    await placeOrder(cartId, r.id, orderId);
    await placeOrder(cartId);
    expect(await h.outbox('retailer.cart.changed', cartId)).toHaveLength(count);
    expect((await h.call(CART, { id: cartId })).data!.cart.status).toBe('CHECKED_OUT');
  });

  it("an order of another retailer, or a cart id of another retailer's key, closes nothing", async () => {
    const other = await net.retailer();
    const cartId = await newCart();
    await h.call(ADD, { i: { cartId, listingId: msrpListing, quantity: 1 } });
    const count = (await h.outbox('retailer.cart.changed', cartId)).length;
    const swapped = cartId.replace(tenantKeyOf(r.id), tenantKeyOf(other.id));
    await placeOrder(cartId, other.id);
    await placeOrder(swapped, other.id);
    await placeOrder(swapped);
    expect((await h.call(CART, { id: cartId })).data!.cart.status).toBe('OPEN');
    expect(await h.outbox('retailer.cart.changed', cartId)).toHaveLength(count);
    // and through the API the swapped id is nobody's cart
    expect((await h.call(CART, { id: swapped })).data!.cart).toBeNull();
    const res = await h.call(ADD, { i: { cartId: swapped, listingId: msrpListing, quantity: 1 } });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
