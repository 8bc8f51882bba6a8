import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, type Harness, startHarness } from './harness.ts';

/**
 * Offers: one per supplier and variant, only for ACTIVE variants of brands the
 * supplier fulfils for (projections of catalog and identity events), mirrored
 * into offer_index and published as supplier.offer.changed.
 */

let h: Harness;
let supplier: string;
let brand: string;
let otherBrand: string;
let variants: string[];
let draftVariant: string;
let otherBrandVariant: string;
beforeAll(async () => {
  h = await startHarness();
  supplier = h.orgId();
  brand = h.orgId();
  otherBrand = h.orgId();
  await h.connect(supplier, brand, 'BRAND');
  await h.connect(supplier, otherBrand, 'BRAND', { scopes: ['CATALOG_READ'] });
  variants = (await h.product(brand, { count: 3 })).variantIds;
  draftVariant = (await h.product(brand, { status: 'DRAFT' })).variantIds[0]!;
  otherBrandVariant = (await h.product(otherBrand)).variantIds[0]!;
});
afterAll(async () => h?.stop());

const UPSERT = `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) {
  offer { id active minimumOrderQuantity leadTimeDays wholesalePrice { amount currencyCode } variant { id } supplier { id } }
  userErrors { code field message } } }`;
const offerInput = (variantId: string, amount = '12.50', extra: Record<string, unknown> = {}) => ({
  i: {
    variantId,
    wholesalePrice: { amount, currencyCode: 'EUR' },
    minimumOrderQuantity: 10,
    leadTimeDays: 5,
    ...extra,
  },
});

describe('upsertOffer', () => {
  let offerId: string;

  it('creates the offer, its index row and a supplier.offer.changed event in one transaction', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const res = await h.call(UPSERT, offerInput(variants[0]!), me);
    expect(res.data?.upsertOffer.userErrors).toEqual([]);
    const offer = res.data?.upsertOffer.offer;
    offerId = offer.id;
    expect(offer).toMatchObject({
      active: true,
      minimumOrderQuantity: 10,
      leadTimeDays: 5,
      wholesalePrice: { amount: '12.50', currencyCode: 'EUR' },
      variant: { id: variants[0] },
      supplier: { id: supplier },
    });
    expect(offerId).toMatch(/^ofr_[a-z0-9]{12}_/);
    expect(
      await h.sql('select variant_id, brand_id, wholesale_minor, active from offers', [], supplier),
    ).toEqual([{ variant_id: variants[0], brand_id: brand, wholesale_minor: 1250, active: 1 }]);
    expect(
      await h.sql(
        'select supplier_id, variant_id, brand_id, wholesale_minor from offer_index where offer_id = ?',
        [offerId],
      ),
    ).toEqual([{ supplier_id: supplier, variant_id: variants[0], brand_id: brand, wholesale_minor: 1250 }]);
    const events = await h.outbox('supplier.offer.changed');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      aggregateId: offerId,
      orgId: supplier,
      payload: {
        offerId,
        supplierId: supplier,
        brandId: brand,
        variantId: variants[0],
        wholesaleMinor: '1250',
        currencyCode: 'EUR',
        minimumOrderQuantity: 10,
        leadTimeDays: 5,
        active: true,
      },
    });
  });

  it('updates the same offer on the second upsert for the variant', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const res = await h.call(
      UPSERT,
      offerInput(variants[0]!, '11', { minimumOrderQuantity: 1, leadTimeDays: 0 }),
      me,
    );
    expect(res.data?.upsertOffer.offer).toMatchObject({
      id: offerId,
      minimumOrderQuantity: 1,
      leadTimeDays: 0,
      wholesalePrice: { amount: '11.00' },
    });
    expect(await h.sql('select count(*) n from offers', [], supplier)).toEqual([{ n: 1 }]);
    expect(await h.sql('select wholesale_minor from offer_index where offer_id = ?', [offerId])).toEqual([
      { wholesale_minor: 1100 },
    ]);
  });

  it('keeps one offer when two first upserts of a variant race', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const results = await Promise.all([
      h.call(UPSERT, offerInput(variants[2]!, '5.00'), me),
      h.call(UPSERT, offerInput(variants[2]!, '6.00'), me),
    ]);
    for (const r of results) expect(r.data?.upsertOffer.userErrors).toEqual([]);
    expect(results[0]!.data?.upsertOffer.offer.id).toBe(results[1]!.data?.upsertOffer.offer.id);
    expect(
      await h.sql('select count(*) n from offers where variant_id = ?', [variants[2]], supplier),
    ).toEqual([{ n: 1 }]);
    expect(await h.sql('select count(*) n from offer_index where variant_id = ?', [variants[2]])).toEqual([
      { n: 1 },
    ]);
  });

  it('refuses unknown, inactive and unconnected variants and bad terms, writing nothing', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const before = await h.sql(
      'select (select count(*) from offer_index) o, (select count(*) from outbox) e',
    );
    const cases: [ReturnType<typeof offerInput>, string, string[]][] = [
      [offerInput('var_abcdefabcdef_NOPE'), 'VARIANT_NOT_FOUND', ['variantId']],
      [offerInput('not-an-id'), 'VARIANT_NOT_FOUND', ['variantId']],
      [offerInput(draftVariant), 'VARIANT_NOT_ACTIVE', ['variantId']],
      [offerInput(otherBrandVariant), 'NO_FULFILLMENT_ACCESS', ['variantId']],
      [offerInput(variants[1]!, '12.505'), 'INVALID_MONEY', ['wholesalePrice', 'amount']],
      [offerInput(variants[1]!, '0'), 'INVALID_PRICE', ['wholesalePrice', 'amount']],
      [offerInput(variants[1]!, '-3'), 'INVALID_PRICE', ['wholesalePrice', 'amount']],
      [
        { i: { ...offerInput(variants[1]!).i, wholesalePrice: { amount: '1', currencyCode: 'euro' } } },
        'INVALID_MONEY',
        ['wholesalePrice', 'currencyCode'],
      ],
      [
        offerInput(variants[1]!, '1', { minimumOrderQuantity: 0 }),
        'INVALID_MINIMUM_ORDER_QUANTITY',
        ['minimumOrderQuantity'],
      ],
      [offerInput(variants[1]!, '1', { leadTimeDays: 366 }), 'INVALID_LEAD_TIME', ['leadTimeDays']],
    ];
    for (const [input, code, field] of cases) {
      const res = await h.call(UPSERT, input, me);
      expect(res.data?.upsertOffer.offer, code).toBeNull();
      expect(res.data?.upsertOffer.userErrors[0], code).toMatchObject({ code, field });
    }
    expect(
      await h.sql('select (select count(*) from offer_index) o, (select count(*) from outbox) e'),
    ).toEqual(before);
  });

  it('follows the connection: refused after revocation, allowed again after a new one', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    await h.connect(supplier, brand, 'BRAND', { status: 'REVOKED' });
    const refused = await h.call(UPSERT, offerInput(variants[1]!), me);
    expect(refused.data?.upsertOffer.userErrors[0].code).toBe('NO_FULFILLMENT_ACCESS');
    await h.connect(supplier, brand, 'BRAND', { status: 'ACTIVE' });
    const ok = await h.call(UPSERT, offerInput(variants[1]!), me);
    expect(ok.data?.upsertOffer.userErrors).toEqual([]);
  });

  it('follows the catalog: an archived product cannot get new offers', async () => {
    const { productId, variantIds } = await h.product(brand);
    await h.product(brand, { productId, variantIds, status: 'ARCHIVED' });
    const res = await h.call(UPSERT, offerInput(variantIds[0]!), h.member(supplier, 'SUPPLIER'));
    expect(res.data?.upsertOffer.userErrors[0].code).toBe('VARIANT_NOT_ACTIVE');
  });

  it('needs offers:write (STAFF lacks it) and a supplier organisation', async () => {
    const staff = h.member(supplier, 'SUPPLIER', ['inventory:read', 'inventory:write']);
    expect(errorCode(await h.call(UPSERT, offerInput(variants[1]!), staff))).toBe('FORBIDDEN');
    expect(errorCode(await h.call(UPSERT, offerInput(variants[1]!), h.member(brand, 'BRAND')))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('deactivate and remove', () => {
  it('deactivates (hidden from partners, kept for the supplier) and re-activates on upsert', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const id = (await h.sql('select offer_id id from offer_index where variant_id = ?', [variants[0]]))[0]!
      .id;
    const res = await h.call(
      `mutation($i: DeactivateOfferInput!) { deactivateOffer(input: $i) { offer { id active } userErrors { code } } }`,
      { i: { id } },
      me,
    );
    expect(res.data?.deactivateOffer).toEqual({ offer: { id, active: false }, userErrors: [] });
    const again = await h.call(
      `mutation($i: DeactivateOfferInput!) { deactivateOffer(input: $i) { offer { id } userErrors { code } } }`,
      { i: { id } },
      me,
    );
    expect(again.data?.deactivateOffer.userErrors[0].code).toBe('OFFER_INACTIVE');
    const brandView = await h.call(
      `query($id: ID!) { offer(id: $id) { id } }`,
      { id },
      h.member(brand, 'BRAND'),
    );
    expect(brandView.data?.offer).toBeNull();
    const own = await h.call(`{ offers(filter: { active: false }) { nodes { id active } } }`, {}, me);
    expect(own.data?.offers.nodes).toEqual([{ id, active: false }]);
    const re = await h.call(UPSERT, offerInput(variants[0]!), me);
    expect(re.data?.upsertOffer.offer).toMatchObject({ id, active: true });
  });

  it('removes the offer and tells consumers it is gone', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const id = (await h.sql('select offer_id id from offer_index where variant_id = ?', [variants[2]]))[0]!
      .id;
    const res = await h.call(
      `mutation($i: RemoveOfferInput!) { removeOffer(input: $i) { removedOfferId userErrors { code } } }`,
      { i: { id } },
      me,
    );
    expect(res.data?.removeOffer).toEqual({ removedOfferId: id, userErrors: [] });
    expect(await h.sql('select count(*) n from offers where id = ?', [id], supplier)).toEqual([{ n: 0 }]);
    expect(await h.sql('select count(*) n from offer_index where offer_id = ?', [id])).toEqual([{ n: 0 }]);
    const last = (await h.outbox('supplier.offer.changed', id)).at(-1);
    expect(last?.payload.active).toBe(false);
    const gone = await h.call(
      `mutation($i: RemoveOfferInput!) { removeOffer(input: $i) { removedOfferId } }`,
      { i: { id } },
      me,
    );
    expect(errorCode(gone)).toBe('NOT_FOUND');
  });
});

describe('who sees offers', () => {
  const VARIANT_OFFERS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { id offers { id supplier { id } wholesalePrice { amount } } } } }`;
  const reps = () => ({ r: [{ __typename: 'ProductVariant', id: variants[0] }] });

  it('shows a variant offer to the supplier, the brand and fulfilled retailers only', async () => {
    const retailer = h.orgId();
    const stranger = h.orgId();
    await h.connect(supplier, retailer, 'RETAILER');
    const seen = async (who: Parameters<Harness['call']>[2]) =>
      (await h.call(VARIANT_OFFERS, reps(), who)).data?._entities[0].offers.length;
    expect(await seen(h.member(supplier, 'SUPPLIER', ['inventory:read']))).toBe(1);
    expect(await seen(h.member(brand, 'BRAND', ['catalog:read']))).toBe(1);
    expect(await seen(h.member(retailer, 'RETAILER', ['catalog:read']))).toBe(1);
    expect(await seen(h.member(stranger, 'RETAILER', ['catalog:read']))).toBe(0);
    expect(await seen(h.member(otherBrand, 'BRAND', ['catalog:read']))).toBe(0);
    expect(await seen({ kind: 'anonymous' })).toBe(0);
    expect(await seen({ kind: 'customer', customerId: 'cus_x' })).toBe(0);

    // the retailer loses sight when its connection to the supplier ends…
    await h.connect(supplier, retailer, 'RETAILER', { status: 'REVOKED' });
    expect(await seen(h.member(retailer, 'RETAILER', ['catalog:read']))).toBe(0);
    await h.connect(supplier, retailer, 'RETAILER', { status: 'ACTIVE' });
    expect(await seen(h.member(retailer, 'RETAILER', ['catalog:read']))).toBe(1);
    // …and when the supplier no longer fulfils for the brand (the brand still sees its variant's offers)
    await h.connect(supplier, brand, 'BRAND', { status: 'REVOKED' });
    expect(await seen(h.member(retailer, 'RETAILER', ['catalog:read']))).toBe(0);
    expect(await seen(h.member(brand, 'BRAND', ['catalog:read']))).toBe(1);
    await h.connect(supplier, brand, 'BRAND', { status: 'ACTIVE' });
  });

  it('Organization.offers: all for the supplier, the visible subset for others, paginated', async () => {
    const q = `query($r: [_Any!]!, $a: String) { _entities(representations: $r) { ... on Organization {
      offers(first: 1, after: $a) { totalCount nodes { id active } pageInfo { hasNextPage endCursor } } } } }`;
    const r = [{ __typename: 'Organization', id: supplier }];
    const me = h.member(supplier, 'SUPPLIER', ['inventory:read']);
    const p1 = await h.call(q, { r }, me);
    const c1 = p1.data?._entities[0].offers;
    expect(c1.totalCount).toBe(2);
    expect(c1.nodes).toHaveLength(1);
    expect(c1.pageInfo.hasNextPage).toBe(true);
    const p2 = await h.call(q, { r, a: c1.pageInfo.endCursor }, me);
    expect(p2.data?._entities[0].offers.pageInfo.hasNextPage).toBe(false);
    expect(p2.data?._entities[0].offers.nodes[0].id).not.toBe(c1.nodes[0].id);
    const stranger = await h.call(q, { r }, h.member(h.orgId(), 'RETAILER'));
    expect(stranger.data?._entities[0].offers).toMatchObject({ totalCount: 0, nodes: [] });
    const otherBrandView = await h.call(q, { r }, h.member(otherBrand, 'BRAND'));
    expect(otherBrandView.data?._entities[0].offers.totalCount).toBe(0);
  });
});
