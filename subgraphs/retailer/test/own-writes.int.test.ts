import { newId, tenantKeyOf } from '@tradegraph/shared';
import { ANONYMOUS, member, orgId, startHarness } from '@tradegraph/testing';
import { buildASTSchema, isNonNullType, isObjectType, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdl } from '../src/schema/index.ts';
import { start } from '../src/service.ts';

/** Read your own writes (issue 7, item 7) and a page that survives an unknown variant (item 8). */

let h: Awaited<ReturnType<typeof startHarness<Awaited<ReturnType<typeof start>>>>>;
const retailerId = orgId();
const owner = member(retailerId, 'RETAILER');

const CREATE = `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) { storefront { id } userErrors { code } } }`;
const PUBLISH = `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) { storefront { published } userErrors { code } } }`;
const BY_SLUG = `query($s: String!) { storefront(slug: $s) { id published } }`;

beforeAll(async () => {
  h = await startHarness({ name: 'retailer', start });
}, 60_000);
afterAll(async () => h?.stop());

describe('read your own writes', () => {
  it('a published storefront is served by slug in the very next request, even while shoppers poll it', async () => {
    for (let i = 0; i < 10; i++) {
      const slug = `own-write-${i}`;
      const made = await h.call(CREATE, { i: { name: `Shop ${i}`, slug, currencyCode: 'EUR' } }, owner);
      const id = made.data!.createStorefront.storefront.id;
      // the draft is the owner's at once, and nobody else's
      expect((await h.call(BY_SLUG, { s: slug }, owner)).data!.storefront).toEqual({ id, published: false });
      expect((await h.call(BY_SLUG, { s: slug })).data!.storefront).toBeNull();
      // shoppers keep asking while it is published (their misses must not be cached past the write)
      let polling = true;
      const poll = (async () => {
        while (polling) await h.call(BY_SLUG, { s: slug }, ANONYMOUS);
      })();
      const published = await h.call(PUBLISH, { i: { id } }, owner);
      expect(published.data!.publishStorefront.storefront.published).toBe(true);
      const next = await h.call(BY_SLUG, { s: slug });
      polling = false;
      await poll;
      expect(next.data!.storefront).toEqual({ id, published: true });
    }
  });
});

describe('a listing whose variant is unknown', () => {
  it('Listing.variant is nullable, so a variant the catalog cannot show yet stays local to its listing', () => {
    const schema = buildASTSchema(parse(sdl), { assumeValidSDL: true });
    const listing = schema.getType('Listing');
    expect(isObjectType(listing)).toBe(true);
    if (!isObjectType(listing)) return;
    expect(isNonNullType(listing.getFields().variant!.type)).toBe(false);
  });

  it('is not served to shoppers once the retailer’s catalog projection no longer knows it; the page still is', async () => {
    const brand = orgId();
    const productId = newId('prd', tenantKeyOf(brand));
    const [kept, dropped] = [newId('var', tenantKeyOf(brand)), newId('var', tenantKeyOf(brand))];
    const connectionId = newId('con');
    await h.deliver(
      'identity.connection.accepted',
      {
        connectionId,
        requesterId: retailerId,
        requesterKind: 'RETAILER',
        partnerId: brand,
        partnerKind: 'BRAND',
        scopes: ['CATALOG_READ', 'SELL_PRODUCTS'],
        status: 'ACTIVE',
      },
      { aggregateId: connectionId, orgId: retailerId },
    );
    const variant = (variantId: string, sku: string) => ({
      variantId,
      sku,
      gtin: null,
      options: [],
      msrpMinor: '1000',
      currencyCode: 'EUR',
    });
    const product = (variants: ReturnType<typeof variant>[]) =>
      h.deliver(
        'catalog.product.changed',
        { productId, brandId: brand, name: 'Mug', status: 'ACTIVE', variants },
        { aggregateId: productId, orgId: brand },
      );
    await product([variant(kept, 'M1'), variant(dropped, 'M2')]);
    const slug = 'unknown-variant';
    const made = await h.call(CREATE, { i: { name: 'Mugs', slug, currencyCode: 'EUR' } }, owner);
    const sfId = made.data!.createStorefront.storefront.id;
    for (const v of [kept, dropped]) {
      const l = await h.call(
        `mutation($i: CreateListingInput!) { createListing(input: $i) { userErrors { code } } }`,
        { i: { storefrontId: sfId, variantId: v } },
        owner,
      );
      expect(l.data!.createListing.userErrors).toEqual([]);
    }
    await h.call(PUBLISH, { i: { id: sfId } }, owner);
    // the variant leaves the product: the retailer's projection no longer has it as ACTIVE
    await product([variant(kept, 'M1')]);
    const page = await h.call(
      `query($s: String!) { storefront(slug: $s) { id listings(first: 10) { nodes { variant { id } } } } }`,
      { s: slug },
    );
    expect(page.errors).toBeUndefined();
    expect(page.data!.storefront.id).toBe(sfId);
    expect(page.data!.storefront.listings.nodes).toEqual([{ variant: { id: kept } }]);
  });
});
