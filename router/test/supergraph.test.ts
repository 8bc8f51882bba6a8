import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { type FragmentDefinitionNode, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadRouterConfig } from '../src/config.ts';
import { createCostEstimator } from '../src/cost.ts';
import { readSupergraphDirectives, supergraphForGateway } from '../src/directives.ts';

/** The committed supergraph under the router's default protections. */
const sdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
const defaults = loadRouterConfig({ INTERNAL_TOKEN_PRIVATE_KEY: 'unused' });
const directives = readSupergraphDirectives(sdl);
const schema = Supergraph.build(supergraphForGateway(sdl)).apiSchema().toGraphQLJSSchema();
const estimator = createCostEstimator(schema, directives, {
  defaultListSize: defaults.ROUTER_COST_DEFAULT_LIST_SIZE,
  defaultPageSize: defaults.ROUTER_COST_DEFAULT_PAGE_SIZE,
  maxListSize: defaults.ROUTER_COST_MAX_LIST_SIZE,
  mutationWeight: defaults.ROUTER_COST_MUTATION_WEIGHT,
});

function cost(query: string, variables?: Record<string, unknown>): number {
  const doc = parse(query);
  const operation = doc.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION,
  ) as OperationDefinitionNode;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return estimator.estimate(operation, fragments, variables);
}

// packages/e2e/bench/storefront.ts and packages/e2e/test/storefront.e2e.test.ts (PAGE), verbatim.
const BENCH_STOREFRONT = `query Storefront($slug: String!, $first: Int!) {
  storefront(slug: $slug) {
    name
    listings(first: $first) {
      nodes {
        id title
        price { amount currencyCode }
        variant { sku options { name value } availableQuantity product { name brand { name } } }
      }
    }
  }
}`;
const E2E_PAGE = `query($slug: String!, $first: Int!) {
    storefront(slug: $slug) {
      name
      listings(first: $first) {
        totalCount
        nodes {
          id title available
          price { amount currencyCode }
          variant { id sku options { name value } availableQuantity product { name brand { name } } }
        }
      }
    }
  }`;

describe('the committed supergraph under the default protections', () => {
  it('keeps the bench and e2e queries under ROUTER_MAX_COST and refuses the 2 MB request', () => {
    const limit = defaults.ROUTER_MAX_COST;
    expect(cost(BENCH_STOREFRONT, { slug: 'corner-store', first: 50 })).toBe(752);
    expect(cost(E2E_PAGE, { slug: 'corner-store', first: 50 })).toBeLessThan(limit);
    expect(cost(BENCH_STOREFRONT, { slug: 'corner-store', first: 100 })).toBeLessThan(limit);
    // runner/src/seed.ts reads connections 100 at a time.
    expect(
      cost(
        '{ connections(filter: { status: ACTIVE }, first: 100) { nodes { requester { id } partner { id } } } }',
      ),
    ).toBeLessThan(limit);
    const page = `storefront(slug: "corner-store") { listings(first: 100) { nodes { id title price { amount currencyCode } variant { sku options { name value } availableQuantity product { name brand { name } } } } } }`;
    const attack = `{ ${Array.from({ length: 20 }, (_, i) => `p${i}: ${page}`).join(' ')} }`;
    expect(cost(attack)).toBeGreaterThan(5 * limit);
  });

  it('carries the authorization directives the subgraphs declare', () => {
    expect(directives.fieldAccess.get('Query.me')).toMatchObject({ authenticated: true });
    expect(directives.fieldAccess.get('Query.apiKeys')?.scopes).toEqual([[['apikeys:read']]]);
    expect(directives.fieldAccess.get('Mutation.createProduct')).toMatchObject({
      scopes: [[['catalog:write']]],
      policies: [[['brand']]],
    });
    expect([...directives.policies].sort()).toEqual(['brand', 'platform', 'retailer', 'supplier']);
  });
});
