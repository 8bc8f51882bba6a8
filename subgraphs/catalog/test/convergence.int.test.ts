import { type EntityManager, newId, tenantKeyOf } from '@tradegraph/shared';
import type { EventType, PayloadOf } from '@tradegraph/shared/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshPublicVariants } from '../src/store/visibility.ts';
import { ANON, CREATE, type Harness, type Org, PUBLISH, startHarness, tee } from './harness.ts';

/**
 * Catalog visibility converges (issue 7 item 8): a shopper sees a variant iff
 * the newest state of its connection, storefront and listing says so, whatever
 * order those events reach catalog in; and a reference to a variant listed a
 * moment ago resolves at once, not null until the projection catches up.
 */

let h: Harness;
let brand: Org;

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { id sku } } }`;

beforeAll(async () => {
  h = await startHarness();
  brand = await h.org('BRAND', 'Converging');
});
afterAll(async () => h?.stop());

async function publishedVariant(prefix: string): Promise<string> {
  const created = await h.call(CREATE, { i: tee(prefix) }, brand.principal);
  const product = created.data?.createProduct.product;
  if (!product) throw new Error(JSON.stringify(created));
  await h.call(PUBLISH, { i: { id: product.id } }, brand.principal);
  return product.variants[0].id;
}

const seenByShopper = async (variantId: string) =>
  (await h.call(ENTITIES, { r: [{ __typename: 'ProductVariant', id: variantId }] }, ANON)).data
    ?._entities[0] ?? null;

/** A deterministic shuffle (mulberry32), so a failing seed can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Step = {
  [T in EventType]: { type: T; payload: PayloadOf<T>; aggregateId: string; orgId: string };
}[EventType];

describe('visibility converges whatever order its events arrive in', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const revokedAtTheEnd = seed % 2 === 0;
    it(`seed ${seed}: ${revokedAtTheEnd ? 'revoked last → hidden' : 'listed last → visible'}`, async () => {
      const variantId = await publishedVariant(`CV${seed}`);
      const retailer = newId('org');
      const connectionId = newId('con');
      const storefrontId = newId('sfr', tenantKeyOf(retailer));
      const listingId = newId('lst', tenantKeyOf(retailer));
      const connection = (status: 'PENDING' | 'ACTIVE' | 'REVOKED') => ({
        connectionId,
        requesterId: retailer,
        requesterKind: 'RETAILER' as const,
        partnerId: brand.id,
        partnerKind: 'BRAND' as const,
        scopes: ['CATALOG_READ', 'SELL_PRODUCTS'],
        status,
      });
      const storefront = (published: boolean) => ({
        storefrontId,
        retailerId: retailer,
        slug: `s${seed}`,
        name: 'Shop',
        published,
      });
      const listing = (visible: boolean) => ({
        listingId,
        retailerId: retailer,
        storefrontId,
        variantId,
        brandId: brand.id,
        visible,
        removed: false,
      });
      // the chain in the order it happened (occurredAt increases)
      const steps: Step[] = [
        {
          type: 'identity.connection.requested',
          payload: connection('PENDING'),
          aggregateId: connectionId,
          orgId: retailer,
        },
        {
          type: 'identity.connection.accepted',
          payload: connection('ACTIVE'),
          aggregateId: connectionId,
          orgId: retailer,
        },
        {
          type: 'retailer.storefront.changed',
          payload: storefront(false),
          aggregateId: storefrontId,
          orgId: retailer,
        },
        {
          type: 'retailer.listing.changed',
          payload: listing(false),
          aggregateId: listingId,
          orgId: retailer,
        },
        {
          type: 'retailer.storefront.changed',
          payload: storefront(true),
          aggregateId: storefrontId,
          orgId: retailer,
        },
        { type: 'retailer.listing.changed', payload: listing(true), aggregateId: listingId, orgId: retailer },
      ];
      if (revokedAtTheEnd) {
        steps.push({
          type: 'identity.connection.revoked',
          payload: { ...connection('REVOKED'), revokedByOrganizationId: brand.id },
          aggregateId: connectionId,
          orgId: retailer,
        });
      }
      const t0 = Date.now() - 60_000;
      const timed = steps.map((s, i) => ({ ...s, occurredAt: new Date(t0 + i * 10) }));
      const sent = [];
      for (const s of shuffled(timed, seed)) {
        sent.push(
          await h.emit(s.type, s.payload, {
            aggregateId: s.aggregateId,
            orgId: s.orgId,
            occurredAt: s.occurredAt,
          }),
        );
      }
      for (const e of sent) await h.handled(e.id);
      const seen = await seenByShopper(variantId);
      if (revokedAtTheEnd) expect(seen, `seed ${seed}`).toBeNull();
      else expect(seen, `seed ${seed}`).toEqual({ id: variantId, sku: `CV${seed}-S` });
    });
  }
});

describe('a variant listed a moment ago', () => {
  it('resolves for a shopper at once: the reference lets the projection catch up before answering null', async () => {
    const variantId = await publishedVariant('FRESH');
    const retailer: Org = await h.org('RETAILER');
    await h.connect(brand, retailer, ['CATALOG_READ', 'SELL_PRODUCTS']);
    expect(await seenByShopper(variantId)).toBeNull();
    // the retailer's listing event is in the log, not necessarily applied yet
    const listingId = newId('lst', tenantKeyOf(retailer.id));
    await h.emit(
      'retailer.listing.changed',
      {
        listingId,
        retailerId: retailer.id,
        storefrontId: newId('sfr', tenantKeyOf(retailer.id)),
        variantId,
        brandId: brand.id,
        visible: true,
        removed: false,
      },
      { aggregateId: listingId, orgId: retailer.id, source: 'retailer' },
    );
    expect(await seenByShopper(variantId)).toEqual({ id: variantId, sku: 'FRESH-S' });
  });
});

describe('public_variants under concurrent changes', () => {
  it('a listing shown while its retailer’s connection is revoked, in overlapping transactions: the variant ends hidden', async () => {
    const variantId = await publishedVariant('RACE');
    const retailer: Org = await h.org('RETAILER');
    const { connectionId } = await h.connect(brand, retailer, ['CATALOG_READ', 'SELL_PRODUCTS']);
    const { listingId } = await h.listing(retailer, brand, variantId, { visible: false });
    expect(await seenByShopper(variantId)).toBeNull();

    // Two consumers' transactions, interleaved by hand: each changes its row and waits for
    // the other's change; the revocation decides public_variants first, then the listing
    // (once the revocation's decision is done, or has waited 300 ms on a lock).
    let changed = 0;
    let revokeDecided = false;
    const until = async (done: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    };
    const show = async (em: EntityManager, first: boolean) => {
      // read, then write, as the handler's upsert does (the read takes the transaction's snapshot)
      await em.execute('select visible from listing_projection where listing_id = ?', [listingId]);
      await em.execute('update listing_projection set visible = 1 where listing_id = ?', [listingId]);
      if (first) {
        changed++;
        await until(() => changed === 2, 5_000);
        await until(() => revokeDecided, 300);
      }
      await refreshPublicVariants(em, { variantIds: [variantId] });
    };
    const revoke = async (em: EntityManager, first: boolean) => {
      await em.execute('select status from partner_access where connection_id = ?', [connectionId]);
      await em.execute(`update partner_access set status = 'REVOKED' where connection_id = ?`, [
        connectionId,
      ]);
      if (first) {
        changed++;
        await until(() => changed === 2, 5_000);
      }
      await refreshPublicVariants(em, { retailerId: retailer.id, brandId: brand.id });
      revokeDecided = true;
    };
    const orm = h.service.orm;
    const outcomes = await Promise.allSettled([
      orm.em.fork().transactional((em) => show(em, true)),
      orm.em.fork().transactional((em) => revoke(em, true)),
    ]);
    // a deadlock rolls one back; the consumer would run that event again
    for (const [i, o] of outcomes.entries()) {
      if (o.status === 'fulfilled') continue;
      expect(String(o.reason)).toMatch(/deadlock|lock wait/i);
      await orm.em.fork().transactional((em) => (i === 0 ? show(em, false) : revoke(em, false)));
    }
    expect(await h.sql('select variant_id from public_variants where variant_id = ?', [variantId])).toEqual(
      [],
    );
    expect(await seenByShopper(variantId)).toBeNull();
  });
});
