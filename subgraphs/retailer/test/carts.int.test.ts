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

let h: Harness;
let net: ReturnType<typeof network>;
let r: Awaited<ReturnType<ReturnType<typeof network>['retailer']>>;
const brand = orgId();
const supplier = orgId();
let variants: string[];
let listings: string[];
let draftSlug: string;
let sfId: string;

const CART_FIELDS = `id lines { id quantity purchasable lineTotal { amount currencyCode } listing { id title price { amount } } }
  subtotal { amount currencyCode } itemCount storefront { slug } expiresAt`;
const CREATE = `mutation($i: CreateCartInput!) { createCart(input: $i) { cart { ${CART_FIELDS} } userErrors { code field } } }`;
const ADD = `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const UPDATE = `mutation($i: UpdateCartLineInput!) { updateCartLine(input: $i) { cart { ${CART_FIELDS} } userErrors { code field } } }`;
const REMOVE = `mutation($i: RemoveCartLineInput!) { removeCartLine(input: $i) { cart { ${CART_FIELDS} } userErrors { code field } } }`;
const CART = `query($id: ID!) { cart(id: $id) { ${CART_FIELDS} } }`;

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
      { sku: 'M3', options: [{ name: 'Color', value: 'Red' }], msrp: ['500', 'EUR'] },
    ],
  });
  variants = p.variantIds;
  await net.stock({ supplierId: supplier, brandId: brand, variantId: variants[0]!, totalAvailable: 10 });
  await net.stock({ supplierId: supplier, brandId: brand, variantId: variants[1]!, totalAvailable: 10 });
  const sf = await h.call(
    CREATE_STOREFRONT,
    { i: { name: 'Mugs', slug: 'mugs', currencyCode: 'EUR' } },
    r.user,
  );
  sfId = sf.data!.createStorefront.storefront.id;
  listings = [];
  for (const v of variants) {
    const l = await h.call(CREATE_LISTING, { i: { storefrontId: sfId, variantId: v } }, r.user);
    listings.push(l.data!.createListing.listing.id);
  }
  await h.call(PUBLISH, { i: { id: sfId } }, r.user);
  draftSlug = 'mugs-draft';
  await h.call(CREATE_STOREFRONT, { i: { name: 'Draft', slug: draftSlug, currencyCode: 'EUR' } }, r.user);
});
afterAll(async () => h?.stop());

describe('guest carts', () => {
  let cartId: string;

  it('creates a cart on a published storefront only', async () => {
    const res = await h.call(CREATE, { i: { storefrontSlug: 'Mugs' } });
    expect(res.data!.createCart.cart).toMatchObject({
      lines: [],
      subtotal: { amount: '0.00', currencyCode: 'EUR' },
      itemCount: 0,
      storefront: { slug: 'mugs' },
    });
    cartId = res.data!.createCart.cart.id;
    expect(cartId).toMatch(/^crt_[a-z0-9]{12}_[0-9A-Z]{34}$/);
    for (const storefrontSlug of [draftSlug, 'no-such-shop']) {
      const bad = await h.call(CREATE, { i: { storefrontSlug } });
      expect(bad.data!.createCart.userErrors).toEqual([
        { code: 'STOREFRONT_NOT_FOUND', field: ['storefrontSlug'] },
      ]);
    }
  });

  it('adds lines, merges quantities and totals at current prices', async () => {
    await h.call(ADD, { i: { cartId, listingId: listings[0], quantity: 2 } });
    const res = await h.call(ADD, { i: { cartId, listingId: listings[1], quantity: 1 } });
    const merged = await h.call(ADD, { i: { cartId, listingId: listings[0], quantity: 1 } });
    expect(res.data!.addCartLine.userErrors).toEqual([]);
    const cart = merged.data!.addCartLine.cart;
    expect(cart.lines.map((l: any) => [l.listing.title, l.quantity, l.lineTotal.amount])).toEqual([
      ['Mug — White', 3, '37.50'],
      ['Mug — Black', 1, '9.99'],
    ]);
    expect(cart.subtotal).toEqual({ amount: '47.49', currencyCode: 'EUR' });
    expect(cart.itemCount).toBe(4);
    // the brand raises the MSRP: the cart follows the listing price
    await net.product(brand, {
      productId: (
        await h.sql(`select product_id from \`${h.serviceDb}\`.catalog_variants where variant_id = ?`, [
          variants[1],
        ])
      )[0]!.product_id,
      name: 'Mug',
      variants: [
        {
          variantId: variants[0],
          sku: 'M1',
          options: [{ name: 'Color', value: 'White' }],
          msrp: ['1250', 'EUR'],
        },
        {
          variantId: variants[1],
          sku: 'M2',
          options: [{ name: 'Color', value: 'Black' }],
          msrp: ['1099', 'EUR'],
        },
        {
          variantId: variants[2],
          sku: 'M3',
          options: [{ name: 'Color', value: 'Red' }],
          msrp: ['500', 'EUR'],
        },
      ],
    });
    const after = (await h.call(CART, { id: cartId })).data!.cart;
    expect(after.subtotal.amount).toBe('48.49');
  });

  it('validates quantities and listings', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ listingId: listings[0], quantity: 0 }, 'INVALID_QUANTITY'],
      [{ listingId: listings[0], quantity: 1000 }, 'INVALID_QUANTITY'],
      [{ listingId: listings[0], quantity: 997 }, 'INVALID_QUANTITY'], // 3 + 997 > 999
      [{ listingId: listings[2], quantity: 1 }, 'OUT_OF_STOCK'],
      [{ listingId: 'lst_nope', quantity: 1 }, 'LISTING_NOT_FOUND'],
    ];
    for (const [input, code] of cases) {
      const res = await h.call(ADD, { i: { cartId, ...input } });
      expect(res.data!.addCartLine.userErrors[0]?.code, JSON.stringify(input)).toBe(code);
    }
    const lines = (await h.call(CART, { id: cartId })).data!.cart.lines;
    expect(lines.map((l: any) => l.quantity)).toEqual([3, 1]);
  });

  it('updates and removes lines; 0 removes', async () => {
    const lines = (await h.call(CART, { id: cartId })).data!.cart.lines;
    const set = await h.call(UPDATE, { i: { cartId, lineId: lines[0].id, quantity: 5 } });
    expect(set.data!.updateCartLine.cart.lines[0].quantity).toBe(5);
    const zero = await h.call(UPDATE, { i: { cartId, lineId: lines[1].id, quantity: 0 } });
    expect(zero.data!.updateCartLine.cart.lines).toHaveLength(1);
    const removed = await h.call(REMOVE, { i: { cartId, lineId: lines[0].id } });
    expect(removed.data!.removeCartLine.cart).toMatchObject({ lines: [], subtotal: { amount: '0.00' } });
    const gone = await h.call(REMOVE, { i: { cartId, lineId: lines[0].id } });
    expect(gone.data!.removeCartLine.userErrors).toEqual([{ code: 'LINE_NOT_FOUND', field: ['lineId'] }]);
  });

  it('keeps lines whose listing was removed but stops counting them', async () => {
    await h.call(ADD, { i: { cartId, listingId: listings[1], quantity: 2 } });
    await h.call(ADD, { i: { cartId, listingId: listings[0], quantity: 1 } });
    await h.call(
      `mutation($i: RemoveListingInput!) { removeListing(input: $i) { userErrors { code } } }`,
      { i: { id: listings[1] } },
      r.user,
    );
    const cart = (await h.call(CART, { id: cartId })).data!.cart;
    expect(
      cart.lines.map((l: any) => [l.purchasable, l.listing?.id ?? null, l.lineTotal?.amount ?? null]),
    ).toEqual([
      [false, null, null],
      [true, listings[0], '12.50'],
    ]);
    expect(cart.subtotal.amount).toBe('12.50');
    const again = await h.call(ADD, { i: { cartId, listingId: listings[1], quantity: 1 } });
    expect(again.data!.addCartLine.userErrors[0].code).toBe('LISTING_UNAVAILABLE');
  });

  it('expires carts after inactivity', async () => {
    const res = await h.call(CREATE, { i: { storefrontSlug: 'mugs' } });
    const id = res.data!.createCart.cart.id;
    const [t] = await h.sql(`select db_name from \`${h.serviceDb}\`.tenants where organization_id = ?`, [
      r.id,
    ]);
    await h.sql(`update \`${t!.db_name}\`.carts set expires_at = ? where id = ?`, [
      new Date(Date.now() - 1000),
      id,
    ]);
    expect((await h.call(CART, { id })).data!.cart).toBeNull();
    const add = await h.call(ADD, { i: { cartId: id, listingId: listings[0], quantity: 1 } });
    expect(add.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const { purgeExpiredCarts } = await import('../src/domain/carts.ts');
    const { systemContext } = await import('@tradegraph/shared');
    expect(await purgeExpiredCarts(systemContext(h.service.kernel, h.service.services))).toBe(1);
    expect(await h.sql(`select id from \`${t!.db_name}\`.carts where id = ?`, [id])).toEqual([]);
  });
});

describe('customer carts', () => {
  it('belong to the customer who created them; others get NOT_FOUND / null', async () => {
    const alice = customer();
    const bob = customer();
    const res = await h.call(CREATE, { i: { storefrontSlug: 'mugs' } }, alice);
    const id = res.data!.createCart.cart.id;
    const add = await h.call(ADD, { i: { cartId: id, listingId: listings[0], quantity: 2 } }, alice);
    expect(add.data!.addCartLine.cart.subtotal.amount).toBe('25.00');
    expect((await h.call(CART, { id }, alice)).data!.cart.itemCount).toBe(2);
    for (const who of [bob, undefined]) {
      expect((await h.call(CART, { id }, who)).data!.cart).toBeNull();
      const steal = await h.call(ADD, { i: { cartId: id, listingId: listings[0], quantity: 1 } }, who);
      expect(steal.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const lineId = add.data!.addCartLine.cart.lines[0].id;
      const upd = await h.call(UPDATE, { i: { cartId: id, lineId, quantity: 9 } }, who);
      expect(upd.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const rm = await h.call(REMOVE, { i: { cartId: id, lineId } }, who);
      expect(rm.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect((await h.call(CART, { id }, alice)).data!.cart.lines[0].quantity).toBe(2);
  });

  it('survive a restart of the service (they are rows in the tenant database)', async () => {
    const alice = customer();
    const res = await h.call(CREATE, { i: { storefrontSlug: 'mugs' } }, alice);
    const id = res.data!.createCart.cart.id;
    await h.call(ADD, { i: { cartId: id, listingId: listings[0], quantity: 3 } }, alice);
    const { start } = await import('../src/service.ts');
    const second = await start({
      ...Object.fromEntries(Object.entries(h.db).map(([k, v]) => [k, String(v)])),
      INTERNAL_TOKEN_PUBLIC_KEY: h.keys.publicKey,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    });
    try {
      const { graphqlRequest } = await import('@tradegraph/shared');
      const again = await graphqlRequest(
        second.url,
        CART,
        { id },
        {
          headers: { 'x-tradegraph-internal-token': await h.keys.sign('retailer', alice) },
        },
      );
      expect(again.data!.cart).toMatchObject({ id, itemCount: 3, subtotal: { amount: '37.50' } });
    } finally {
      await second.stop();
    }
  });
});

describe('how much can be bought', () => {
  const STOCK_FIELDS = `id canCheckOut lines { id quantity purchasable availableQuantity available }`;
  const ADD_Q = `mutation($i: AddCartLineInput!) { addCartLine(input: $i) {
    cart { ${STOCK_FIELDS} } userErrors { code field message } } }`;
  const UPDATE_Q = `mutation($i: UpdateCartLineInput!) { updateCartLine(input: $i) {
    cart { ${STOCK_FIELDS} } userErrors { code field message } } }`;
  const CART_Q = `query($id: ID!) { cart(id: $id) { ${STOCK_FIELDS} } }`;

  /** A new listing on the mugs storefront whose variant `supplier` holds `stock` of. */
  async function stockedListing(stock: number) {
    const p = await net.product(brand, {
      name: 'Jug',
      variants: [{ sku: `J-${Date.now()}`, msrp: ['2000', 'EUR'] }],
    });
    const variantId = p.variantIds[0]!;
    await net.stock({ supplierId: supplier, brandId: brand, variantId, totalAvailable: stock });
    const l = await h.call(CREATE_LISTING, { i: { storefrontId: sfId, variantId } }, r.user);
    return { variantId, listingId: l.data!.createListing.listing.id as string };
  }
  const newCart = async () =>
    (await h.call(CREATE, { i: { storefrontSlug: 'mugs' } })).data!.createCart.cart.id as string;

  it('refuses more than can be bought, saying how many can', async () => {
    const { listingId } = await stockedListing(25);
    const cartId = await newCart();
    const tooMany = await h.call(ADD_Q, { i: { cartId, listingId, quantity: 500 } });
    expect(tooMany.data!.addCartLine).toEqual({
      cart: null,
      userErrors: [{ code: 'OUT_OF_STOCK', field: ['quantity'], message: 'Only 25 available' }],
    });
    const ok = await h.call(ADD_Q, { i: { cartId, listingId, quantity: 20 } });
    expect(ok.data!.addCartLine.cart).toMatchObject({
      canCheckOut: true,
      lines: [{ quantity: 20, purchasable: true, availableQuantity: 25, available: true }],
    });
    // merged with the line already there: 20 + 6 > 25
    const merged = await h.call(ADD_Q, { i: { cartId, listingId, quantity: 6 } });
    expect(merged.data!.addCartLine.userErrors).toEqual([
      { code: 'OUT_OF_STOCK', field: ['quantity'], message: 'Only 25 available' },
    ]);
    const lineId = ok.data!.addCartLine.cart.lines[0].id;
    const raised = await h.call(UPDATE_Q, { i: { cartId, lineId, quantity: 26 } });
    expect(raised.data!.updateCartLine.userErrors).toEqual([
      { code: 'OUT_OF_STOCK', field: ['quantity'], message: 'Only 25 available' },
    ]);
    const exact = await h.call(UPDATE_Q, { i: { cartId, lineId, quantity: 25 } });
    expect(exact.data!.updateCartLine.cart.lines[0]).toMatchObject({ quantity: 25, available: true });
  });

  it('counts what one supplier can supply (a line is never split), only for connected suppliers', async () => {
    const { variantId, listingId } = await stockedListing(25);
    const second = orgId();
    const stranger = orgId();
    await net.fulfil(second, brand);
    await net.stock({ supplierId: second, brandId: brand, variantId, totalAvailable: 30 });
    // stock of a supplier that may not fulfil the brand does not count
    await net.stock({ supplierId: stranger, brandId: brand, variantId, totalAvailable: 400 });
    const cartId = await newCart();
    const add = await h.call(ADD_Q, { i: { cartId, listingId, quantity: 31 } });
    expect(add.data!.addCartLine.userErrors).toEqual([
      { code: 'OUT_OF_STOCK', field: ['quantity'], message: 'Only 30 available' },
    ]);
    const ok = await h.call(ADD_Q, { i: { cartId, listingId, quantity: 30 } });
    expect(ok.data!.addCartLine.cart.lines[0]).toMatchObject({ availableQuantity: 30, available: true });
  });

  it('shows a line that became short after it was added, and lets the shopper lower it', async () => {
    const { variantId, listingId } = await stockedListing(25);
    const other = await stockedListing(10);
    const cartId = await newCart();
    await h.call(ADD_Q, { i: { cartId, listingId: other.listingId, quantity: 2 } });
    const added = await h.call(ADD_Q, { i: { cartId, listingId, quantity: 20 } });
    const lineId = added.data!.addCartLine.cart.lines[1].id;

    await net.stock({ supplierId: supplier, brandId: brand, variantId, totalAvailable: 5 });
    const short = (await h.call(CART_Q, { id: cartId })).data!.cart;
    expect(short.canCheckOut).toBe(false);
    expect(short.lines[0]).toMatchObject({ quantity: 2, availableQuantity: 10, available: true });
    expect(short.lines[1]).toMatchObject({
      quantity: 20,
      purchasable: true,
      availableQuantity: 5,
      available: false,
    });

    // lowering is always allowed, even while still above what is available
    const lower = await h.call(UPDATE_Q, { i: { cartId, lineId, quantity: 8 } });
    expect(lower.data!.updateCartLine.cart.lines[1]).toMatchObject({ quantity: 8, available: false });
    const fits = await h.call(UPDATE_Q, { i: { cartId, lineId, quantity: 5 } });
    expect(fits.data!.updateCartLine.cart).toMatchObject({
      canCheckOut: true,
      lines: [{ available: true }, { quantity: 5, availableQuantity: 5, available: true }],
    });

    await net.stock({ supplierId: supplier, brandId: brand, variantId, totalAvailable: 0 });
    const gone = (await h.call(CART_Q, { id: cartId })).data!.cart;
    expect(gone.lines[1]).toMatchObject({ purchasable: false, availableQuantity: 0, available: false });
    expect(gone.canCheckOut).toBe(false);
  });

  it('an empty cart cannot be checked out', async () => {
    const cartId = await newCart();
    expect((await h.call(CART_Q, { id: cartId })).data!.cart.canCheckOut).toBe(false);
  });
});
