import { type CompletedRequest, completedRequests } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork, must, type Network } from '../src/network.ts';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * The router's entity cache on the real graph (docs/router.md#entity-cache),
 * with Redis as its shared level: an anonymous shopper's storefront page is
 * served from it, and every change that alters what a viewer may see reaches
 * the next reads — a price change at once (the writer's router reads the
 * invalidation feeds before answering the mutation), an archived product and a
 * revoked connection within a second of the subgraph applying them — while
 * organisations, two tenants of them, are never served from it.
 */

let s: Stack;
let a: Network;
let b: Network;

const PAGE = `query Page($slug: String!) {
  storefront(slug: $slug) {
    name
    listings(first: 20) {
      nodes {
        id status
        price { amount }
        variant { id sku availableQuantity product { id name } brand { name } }
      }
    }
  }
}`;

type Listing = {
  id: string;
  status: string | null;
  price: { amount: string };
  variant: {
    id: string;
    sku: string;
    availableQuantity: number;
    product: { id: string; name: string } | null;
    brand: { name: string };
  } | null;
};

async function page(slug: string, token?: string): Promise<Listing[]> {
  const res = await s.gql(PAGE, { slug }, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return (res.data?.storefront?.listings.nodes ?? []) as Listing[];
}

/** Subgraph requests made while `fn` runs. */
async function subgraphRequests(fn: () => Promise<unknown>): Promise<CompletedRequest[]> {
  const seen: CompletedRequest[] = [];
  const listener = (r: CompletedRequest) => seen.push(r);
  completedRequests.on('request', listener);
  try {
    await fn();
  } finally {
    completedRequests.off('request', listener);
  }
  return seen;
}

/** Polls until `check` holds; returns how long it took (ms). */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - started;
}

beforeAll(async () => {
  s = await startStack({ REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
  a = await buildNetwork(s.gql, 'ecachea', [5, 5]);
  b = await buildNetwork(s.gql, 'ecacheb', [3]);
  // The set-up's last events (b's connection, storefront and listings) invalidate every
  // public entry when the subgraphs apply them; let them be applied, and let the router
  // read the invalidation feeds (every 250 ms) once more, before anything is measured.
  expect(await s.settled()).toBe(true);
  await new Promise((r) => setTimeout(r, 1_000));
}, 180_000);
afterAll(async () => s?.stop());

describe('entity cache through the router', () => {
  it('serves an anonymous shopper’s repeated storefront page without asking any subgraph', async () => {
    const first = await page(a.slug);
    expect(first).toHaveLength(2);
    expect(first.every((l) => l.variant?.product?.name && l.variant.availableQuantity === 5)).toBe(true);
    const requests = await subgraphRequests(async () => expect(await page(a.slug)).toEqual(first));
    expect(requests).toEqual([]);
  });

  it('never serves organisations from it: each tenant gets its own view from the subgraphs', async () => {
    const anonymous = await page(a.slug);
    expect(anonymous.every((l) => l.status === null)).toBe(true);
    const own = await subgraphRequests(async () => {
      const listings = await page(a.slug, a.retailer.token);
      expect(listings.map((l) => l.status)).toEqual(['ACTIVE', 'ACTIVE']);
    });
    expect(own.map((r) => r.subgraph)).toContain('retailer');
    // Another tenant, and the shopper again: neither sees what the owner saw.
    expect((await page(a.slug, b.retailer.token)).every((l) => l.status === null)).toBe(true);
    expect(await page(a.slug)).toEqual(anonymous);
  });

  it('shows a price change in the very next request', async () => {
    await page(a.slug);
    const listingId = a.items[0]!.listingId;
    await must(
      s.gql,
      `mutation($i: UpdateListingInput!) { updateListing(input: $i) { listing { id } userErrors { code message } } }`,
      { i: { id: listingId, price: { amount: '26.50', currencyCode: 'EUR' } } },
      a.retailer.token,
    );
    const next = await page(a.slug);
    expect(next.find((l) => l.id === listingId)?.price.amount).toBe('26.50');
  });

  it('hides an archived product from shoppers within a second of the change', async () => {
    const before = await page(b.slug);
    const productId = before[0]!.variant!.product!.id;
    await must(
      s.gql,
      `mutation($i: ArchiveProductInput!) { archiveProduct(input: $i) { product { id } userErrors { code message } } }`,
      { i: { id: productId } },
      b.brand.token,
    );
    const ms = await within(1000, async () => {
      const listings = await page(b.slug);
      return listings.every((l) => l.variant === null || l.variant.product === null);
    });
    expect(ms).toBeLessThan(1000);
  });

  it('hides a brand’s listings once the retailer’s connection to it is revoked', async () => {
    expect(await page(a.slug)).toHaveLength(2);
    const found = await must<{ nodes: { id: string; partner: { id: string }; requester: { id: string } }[] }>(
      s.gql,
      `{ connections(first: 20, filter: { status: ACTIVE }) { nodes { id partner { id } requester { id } } } }`,
      {},
      a.retailer.token,
    );
    const connection = found.nodes.find(
      (c) => c.partner.id === a.brand.orgId || c.requester.id === a.brand.orgId,
    );
    expect(connection).toBeDefined();
    await must(
      s.gql,
      `mutation($i: RevokeConnectionInput!) { revokeConnection(input: $i) { connection { status } userErrors { code message } } }`,
      { i: { connectionId: connection!.id } },
      a.retailer.token,
    );
    // The retailer applies the revocation from identity's event; the cache must not outlive that.
    await within(10_000, async () => (await page(a.slug)).length === 0);
    const uncached = await subgraphRequests(() => page(a.slug));
    // Once hidden, it stays hidden (no stale entry comes back), and it is served from the cache again.
    expect(await page(a.slug)).toEqual([]);
    expect(uncached.length).toBeLessThanOrEqual(1);
  });
});
