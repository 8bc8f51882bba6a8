import { newId } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_LISTING,
  CREATE_STOREFRONT,
  envelopeOf,
  type Harness,
  network,
  orgId,
  PUBLISH,
  retailerUser,
  startHarness,
} from './harness.ts';

let h: Harness;
let net: ReturnType<typeof network>;
let r: Awaited<ReturnType<ReturnType<typeof network>['retailer']>>;
const brand = orgId();
const stranger = orgId();
const supplier = orgId();
const supplier2 = orgId();
let connectionId: string;
let shoe: { productId: string; variantIds: string[] };
let jpy: { productId: string; variantIds: string[] };
let draft: { productId: string; variantIds: string[] };
let foreign: { productId: string; variantIds: string[] };
let eur: string;
let yen: string;

const price = (res: { data?: any }) => res.data?.createListing?.listing?.price?.amount;
const errorCode = (res: { data?: any }) => res.data?.createListing?.userErrors?.[0]?.code;

async function storefront(slug: string, currencyCode: string, defaultMarkupPercent = '25') {
  const res = await h.call(
    CREATE_STOREFRONT,
    { i: { name: slug, slug, currencyCode, defaultMarkupPercent } },
    r.user,
  );
  return res.data!.createStorefront.storefront.id as string;
}

beforeAll(async () => {
  h = await startHarness();
  net = network(h);
  r = await net.retailer();
  connectionId = await net.connect(brand, r.id);
  await net.fulfil(supplier, brand);
  shoe = await net.product(brand, {
    name: 'Trail Shoe',
    variants: [
      {
        sku: 'TS-R-42',
        options: [
          { name: 'Color', value: 'Red' },
          { name: 'Size', value: '42' },
        ],
        msrp: ['1999', 'EUR'],
      },
      {
        sku: 'TS-R-43',
        options: [
          { name: 'Color', value: 'Red' },
          { name: 'Size', value: '43' },
        ],
        msrp: ['1999', 'EUR'],
      },
      {
        sku: 'TS-B-42',
        options: [
          { name: 'Color', value: 'Blue' },
          { name: 'Size', value: '42' },
        ],
        msrp: ['1999', 'EUR'],
      },
      { sku: 'TS-B-43', options: [{ name: 'Color', value: 'Blue' }], msrp: ['100', 'EUR'] },
      { sku: 'TS-NOMSRP', msrp: null },
    ],
  });
  jpy = await net.product(brand, { name: 'Tabi', variants: [{ sku: 'TABI', msrp: ['1999', 'JPY'] }] });
  draft = await net.product(brand, {
    name: 'Prototype',
    status: 'DRAFT',
    variants: [{ sku: 'PROTO', msrp: ['999', 'EUR'] }],
  });
  foreign = await net.product(stranger, {
    name: 'Other Brand Bag',
    variants: [{ sku: 'BAG', msrp: ['5000', 'EUR'] }],
  });
  const v = shoe.variantIds[2]!;
  await net.offer({ supplierId: supplier, brandId: brand, variantId: v, wholesale: ['1200', 'EUR'] });
  await net.offer({ supplierId: supplier2, brandId: brand, variantId: v, wholesale: ['1000', 'EUR'] });
  await net.offer({ supplierId: supplier2, brandId: brand, variantId: v, wholesale: ['900', 'USD'] });
  await net.offer({
    supplierId: supplier,
    brandId: brand,
    variantId: v,
    wholesale: ['800', 'EUR'],
    active: false,
  });
  await net.stock({
    supplierId: supplier,
    brandId: brand,
    variantId: shoe.variantIds[0]!,
    totalAvailable: 5,
  });
  eur = await storefront('euro-shoes', 'EUR');
  yen = await storefront('yen-shoes', 'JPY', '10');
});
afterAll(async () => h?.stop());

describe('listing prices', () => {
  it('defaults to the storefront markup over MSRP, titled from the projection, available from stock', async () => {
    const res = await h.call(
      CREATE_LISTING,
      { i: { storefrontId: eur, variantId: shoe.variantIds[0] } },
      r.user,
    );
    expect(res.data!.createListing).toMatchObject({
      userErrors: [],
      listing: {
        title: 'Trail Shoe — Red / 42',
        // 19.99 × 1.25 = 24.9875 → 24.99
        price: { amount: '24.99', currencyCode: 'EUR' },
        available: true,
        status: 'ACTIVE',
        visible: false,
        variant: { id: shoe.variantIds[0] },
        pricing: { mode: 'MARKUP', basis: 'MSRP', markupPercent: null, usesStorefrontDefault: true },
      },
    });
    expect(res.data!.createListing.listing.id).toMatch(/^lst_[a-z0-9]{12}_/);
  });

  it('applies its own markup over MSRP, rounding half up to the minor unit', async () => {
    const res = await h.call(
      CREATE_LISTING,
      {
        i: { storefrontId: eur, variantId: shoe.variantIds[1], markupPercent: '12.5', title: ' Red runner ' },
      },
      r.user,
    );
    // 19.99 × 1.125 = 22.48875 → 22.49
    expect(price(res)).toBe('22.49');
    expect(res.data!.createListing.listing).toMatchObject({ title: 'Red runner', available: false });
    // 1.00 × 1.005 = 1.005 → exactly half a cent → 1.01
    const half = await h.call(
      CREATE_LISTING,
      { i: { storefrontId: eur, variantId: shoe.variantIds[3], markupPercent: '0.5' } },
      r.user,
    );
    expect(price(half)).toBe('1.01');
  });

  it('marks up the lowest active wholesale offer in the storefront currency', async () => {
    const res = await h.call(
      CREATE_LISTING,
      {
        i: {
          storefrontId: eur,
          variantId: shoe.variantIds[2],
          markupPercent: '33.33',
          priceBasis: 'WHOLESALE',
        },
      },
      r.user,
    );
    // lowest active EUR offer 10.00 (12.00 higher, 9.00 is USD, 8.00 inactive) × 1.3333 = 13.333 → 13.33
    expect(price(res)).toBe('13.33');
    expect(res.data!.createListing.listing.pricing).toEqual({
      mode: 'MARKUP',
      basis: 'WHOLESALE',
      markupPercent: '33.33',
      usesStorefrontDefault: false,
    });
  });

  it('takes a fixed price in the storefront currency only', async () => {
    const sf = await storefront('fixed-shoes', 'EUR');
    const usd = await h.call(
      CREATE_LISTING,
      {
        i: {
          storefrontId: sf,
          variantId: shoe.variantIds[0],
          price: { amount: '15.00', currencyCode: 'USD' },
        },
      },
      r.user,
    );
    expect(usd.data!.createListing.userErrors).toEqual([
      { field: ['price'], code: 'CURRENCY_MISMATCH', message: expect.stringContaining('EUR') },
    ]);
    const tooPrecise = await h.call(
      CREATE_LISTING,
      {
        i: {
          storefrontId: sf,
          variantId: shoe.variantIds[0],
          price: { amount: '15.001', currencyCode: 'EUR' },
        },
      },
      r.user,
    );
    expect(errorCode(tooPrecise)).toBe('INVALID_MONEY');
    const zero = await h.call(
      CREATE_LISTING,
      { i: { storefrontId: sf, variantId: shoe.variantIds[0], price: { amount: '0', currencyCode: 'EUR' } } },
      r.user,
    );
    expect(errorCode(zero)).toBe('INVALID_PRICE');
    const ok = await h.call(
      CREATE_LISTING,
      {
        i: { storefrontId: sf, variantId: shoe.variantIds[0], price: { amount: '15', currencyCode: 'EUR' } },
      },
      r.user,
    );
    expect(ok.data!.createListing.listing).toMatchObject({
      price: { amount: '15.00', currencyCode: 'EUR' },
      pricing: { mode: 'FIXED', basis: null, markupPercent: null, usesStorefrontDefault: false },
    });
  });

  it('prices zero-decimal currencies in whole units and refuses an MSRP in another currency', async () => {
    const res = await h.call(
      CREATE_LISTING,
      { i: { storefrontId: yen, variantId: jpy.variantIds[0] } },
      r.user,
    );
    // ¥1999 × 1.10 = 2198.9 → ¥2199
    expect(res.data!.createListing.listing.price).toEqual({ amount: '2199', currencyCode: 'JPY' });
    const mismatch = await h.call(
      CREATE_LISTING,
      { i: { storefrontId: yen, variantId: shoe.variantIds[0] } },
      r.user,
    );
    expect(mismatch.data!.createListing.userErrors[0]).toMatchObject({
      code: 'CURRENCY_MISMATCH',
      field: ['markupPercent'],
    });
  });

  it('refuses unconnected brands, inactive and unknown variants, missing bases and conflicting pricing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ variantId: foreign.variantIds[0] }, 'BRAND_NOT_CONNECTED'],
      [{ variantId: draft.variantIds[0] }, 'VARIANT_INACTIVE'],
      [{ variantId: newId('var', 'abcdefabcdef') }, 'VARIANT_NOT_FOUND'],
      [{ variantId: shoe.variantIds[4] }, 'MSRP_UNAVAILABLE'],
      [{ variantId: shoe.variantIds[1], priceBasis: 'WHOLESALE' }, 'NO_WHOLESALE_PRICE'],
      [
        { variantId: shoe.variantIds[1], markupPercent: '10', price: { amount: '1', currencyCode: 'EUR' } },
        'PRICE_CONFLICT',
      ],
      [{ variantId: shoe.variantIds[1], markupPercent: '1000.01' }, 'INVALID_MARKUP'],
      [{ variantId: shoe.variantIds[0] }, 'ALREADY_LISTED'],
      [{ variantId: shoe.variantIds[1], title: 'x'.repeat(301) }, 'TOO_LONG'],
    ];
    const sf = eur;
    for (const [input, code] of cases) {
      const res = await h.call(CREATE_LISTING, { i: { storefrontId: sf, ...input } }, r.user);
      expect(errorCode(res), `${JSON.stringify(input)} → ${JSON.stringify(res)}`).toBe(code);
    }
    const [count] = await h.sql<{ n: number }>(
      `select count(*) as n from \`${h.serviceDb}\`.listing_index where storefront_id = ?`,
      [sf],
    );
    expect(Number(count?.n)).toBe(4);
  });

  it('answers NOT_FOUND for storefronts of other retailers and malformed ids', async () => {
    const other = retailerUser(orgId());
    for (const storefrontId of [eur, 'sfr_nope', 'lst_abc_def', `sfr_${'a'.repeat(12)}_X`]) {
      const res = await h.call(CREATE_LISTING, { i: { storefrontId, variantId: shoe.variantIds[0] } }, other);
      expect(res.errors?.[0]?.extensions?.code, storefrontId).toBe('NOT_FOUND');
    }
  });
});

describe('listings follow the projections and the connection', () => {
  const LISTING = `query($id: ID!) { listing(id: $id) { id title price { amount } available visible status } }`;
  let listingId: string;
  let wholesaleId: string;

  it('re-prices when the MSRP, the offers or the storefront default change, and tracks stock', async () => {
    const sf = await storefront('tracking-shoes', 'EUR', '20');
    listingId = (
      await h.call(CREATE_LISTING, { i: { storefrontId: sf, variantId: shoe.variantIds[0] } }, r.user)
    ).data!.createListing.listing.id;
    wholesaleId = (
      await h.call(
        CREATE_LISTING,
        {
          i: {
            storefrontId: sf,
            variantId: shoe.variantIds[2],
            markupPercent: '50',
            priceBasis: 'WHOLESALE',
          },
        },
        r.user,
      )
    ).data!.createListing.listing.id;
    const read = async (id: string) => (await h.call(LISTING, { id }, r.user)).data!.listing;
    expect(await read(listingId)).toMatchObject({ price: { amount: '23.99' }, available: true }); // 19.99 × 1.2 = 23.988
    expect(await read(wholesaleId)).toMatchObject({ price: { amount: '15.00' } });

    // the brand raises the MSRP and renames the product
    await net.product(brand, {
      productId: shoe.productId,
      name: 'Trail Shoe 2',
      variants: shoe.variantIds.map((variantId, i) => ({
        variantId,
        sku: `SKU${i}`,
        options: i === 0 ? [{ name: 'Color', value: 'Red' }] : [],
        msrp: ['2500', 'EUR'],
      })),
    });
    expect(await read(listingId)).toMatchObject({ title: 'Trail Shoe 2 — Red', price: { amount: '30.00' } });
    // a cheaper offer
    await net.offer({
      supplierId: supplier,
      brandId: brand,
      variantId: shoe.variantIds[2]!,
      wholesale: ['700', 'EUR'],
    });
    expect(await read(wholesaleId)).toMatchObject({ price: { amount: '10.50' } });
    // stock runs out
    await net.stock({
      supplierId: supplier,
      brandId: brand,
      variantId: shoe.variantIds[0]!,
      totalAvailable: 0,
    });
    expect(await read(listingId)).toMatchObject({ available: false });
    // an older stock event arriving late does not roll the projection back
    await h.emit(
      'supplier.stock.changed',
      {
        supplierId: supplier,
        brandId: brand,
        variantId: shoe.variantIds[0]!,
        warehouseId: 'whs_x',
        onHand: 9,
        reserved: 0,
        available: 9,
        totalAvailable: 9,
        movement: 'RECEIVED',
      },
      { aggregateId: 'late', occurredAt: new Date(Date.now() - 60_000) },
    );
    expect(await read(listingId)).toMatchObject({ available: false });
    // the storefront default markup changes: default-following listings re-price
    const UPDATE = `mutation($i: UpdateStorefrontInput!) { updateStorefront(input: $i) { userErrors { code } } }`;
    await h.call(UPDATE, { i: { id: sf, defaultMarkupPercent: '10' } }, r.user);
    expect(await read(listingId)).toMatchObject({ price: { amount: '27.50' } });
    expect(await read(wholesaleId)).toMatchObject({ price: { amount: '10.50' } });
  });

  it("hides the brand's listings when the connection is revoked, and shows them again on a new one", async () => {
    const sf = await storefront('revoke-shoes', 'EUR');
    await h.call(PUBLISH, { i: { id: sf } }, r.user);
    const id = (
      await h.call(CREATE_LISTING, { i: { storefrontId: sf, variantId: shoe.variantIds[1] } }, r.user)
    ).data!.createListing.listing.id;
    expect((await h.call(LISTING, { id })).data!.listing).toMatchObject({ id, visible: null, status: null });
    await net.revoke(brand, r.id, connectionId);
    expect((await h.call(LISTING, { id })).data!.listing).toBeNull();
    expect((await h.call(LISTING, { id }, r.user)).data!.listing).toMatchObject({ visible: false });
    const refused = await h.call(
      CREATE_LISTING,
      { i: { storefrontId: sf, variantId: shoe.variantIds[2] } },
      r.user,
    );
    expect(errorCode(refused)).toBe('BRAND_NOT_CONNECTED');
    const events = await h.sql(
      `select envelope from \`${h.serviceDb}\`.outbox where aggregate_id = ? order by seq`,
      [id],
    );
    expect(events.map((e) => envelopeOf(e).payload)).toEqual([
      expect.objectContaining({
        listingId: id,
        visible: true,
        removed: false,
        brandId: brand,
        retailerId: r.id,
      }),
      expect.objectContaining({ listingId: id, visible: false, removed: false }),
    ]);
    // a late decline of the old connection does not undo a newer accepted one
    connectionId = await net.connect(brand, r.id);
    expect((await h.call(LISTING, { id })).data!.listing).toMatchObject({ id });
    await h.emit(
      'identity.connection.declined',
      {
        connectionId: 'con_OLD',
        requesterId: r.id,
        requesterKind: 'RETAILER',
        partnerId: brand,
        partnerKind: 'BRAND',
        scopes: ['SELL_PRODUCTS'],
        status: 'DECLINED',
      },
      { aggregateId: 'con_OLD' },
    );
    expect((await h.call(LISTING, { id })).data!.listing).toMatchObject({ id });
  });

  it('hides listings of a product that is archived', async () => {
    const sf = await storefront('archive-shoes', 'EUR');
    await h.call(PUBLISH, { i: { id: sf } }, r.user);
    const p = await net.product(brand, { name: 'Sandal', variants: [{ sku: 'SAN', msrp: ['3000', 'EUR'] }] });
    const id = (await h.call(CREATE_LISTING, { i: { storefrontId: sf, variantId: p.variantIds[0] } }, r.user))
      .data!.createListing.listing.id;
    expect((await h.call(LISTING, { id })).data!.listing).toMatchObject({ title: 'Sandal' });
    await net.product(brand, {
      productId: p.productId,
      name: 'Sandal',
      status: 'ARCHIVED',
      variants: [{ variantId: p.variantIds[0], sku: 'SAN', msrp: ['3000', 'EUR'] }],
    });
    expect((await h.call(LISTING, { id })).data!.listing).toBeNull();
  });
});

describe('updating and removing listings', () => {
  const UPDATE = `mutation($i: UpdateListingInput!) { updateListing(input: $i) {
    listing { id title description price { amount } pricing { mode basis markupPercent usesStorefrontDefault } }
    userErrors { code field } } }`;
  const REMOVE = `mutation($i: RemoveListingInput!) { removeListing(input: $i) { listing { id status visible } userErrors { code } } }`;

  it('switches pricing modes, overrides and resets the title, then removes', async () => {
    const sf = await storefront('update-shoes', 'EUR', '10');
    const id = (
      await h.call(CREATE_LISTING, { i: { storefrontId: sf, variantId: shoe.variantIds[1] } }, r.user)
    ).data!.createListing.listing.id;
    const fixed = await h.call(
      UPDATE,
      { i: { id, price: { amount: '19.50', currencyCode: 'EUR' }, title: 'Deal' } },
      r.user,
    );
    expect(fixed.data!.updateListing.listing).toMatchObject({
      title: 'Deal',
      price: { amount: '19.50' },
      pricing: { mode: 'FIXED' },
    });
    const markup = await h.call(UPDATE, { i: { id, markupPercent: '20' } }, r.user);
    expect(markup.data!.updateListing.listing).toMatchObject({
      title: 'Deal',
      price: { amount: '30.00' }, // MSRP 25.00 × 1.2
      pricing: { mode: 'MARKUP', basis: 'MSRP', markupPercent: '20.00' },
    });
    const back = await h.call(
      UPDATE,
      { i: { id, markupPercent: null, title: null, description: 'Light' } },
      r.user,
    );
    expect(back.data!.updateListing.listing).toMatchObject({
      title: 'Trail Shoe 2',
      description: 'Light',
      price: { amount: '27.50' },
      pricing: { usesStorefrontDefault: true, markupPercent: null },
    });
    const bad = await h.call(UPDATE, { i: { id, priceBasis: 'WHOLESALE' } }, r.user);
    expect(bad.data!.updateListing.userErrors).toEqual([
      { code: 'NO_WHOLESALE_PRICE', field: ['markupPercent'] },
    ]);
    const other = await h.call(UPDATE, { i: { id, title: 'Mine' } }, retailerUser(orgId()));
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const removed = await h.call(REMOVE, { i: { id } }, r.user);
    expect(removed.data!.removeListing.listing).toEqual({ id, status: 'REMOVED', visible: false });
    expect((await h.call(UPDATE, { i: { id, title: 'again' } }, r.user)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
    expect((await h.call(REMOVE, { i: { id } }, r.user)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // the variant can be listed again after removal
    const again = await h.call(
      CREATE_LISTING,
      { i: { storefrontId: sf, variantId: shoe.variantIds[1] } },
      r.user,
    );
    expect(again.data!.createListing.userErrors).toEqual([]);
    const last = await h.sql(
      `select envelope from \`${h.serviceDb}\`.outbox where aggregate_id = ? order by seq desc limit 1`,
      [id],
    );
    expect(envelopeOf(last[0]!).payload).toMatchObject({ visible: false, removed: true });
  });
});
