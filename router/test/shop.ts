import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/**
 * A storefront-shaped subgraph that declares the federation 2.5 authorization
 * directives and the 2.9 demand-control directives, so the router's
 * enforcement and cost analysis are tested on a supergraph composed from them.
 */
export const SHOP_SDL = `
  extend schema @link(
    url: "https://specs.apollo.dev/federation/v2.9"
    import: ["@key", "@authenticated", "@requiresScopes", "@policy", "@cost", "@listSize"]
  )
  type Query {
    storefront(slug: String!): Storefront
    me: Viewer @authenticated
    secret: Secret
    brandReport: String @policy(policies: [["brand"]])
    auditTrail: String @policy(policies: [["platform"], ["brand", "auditor"]])
    expensive: Int @cost(weight: 400)
    search(limit: Int): [Item!]! @listSize(slicingArguments: ["limit"], assumedSize: 50)
    orders(first: Int): OrderPage @requiresScopes(scopes: [["orders:read"]])
      @listSize(slicingArguments: ["first"], sizedFields: ["items"], assumedSize: 5)
  }
  type Mutation {
    signUp(email: String!): Boolean
    login(email: String!): Boolean
    bump: Int
  }
  type Viewer { id: ID! note: String @requiresScopes(scopes: [["catalog:write"], ["platform:admin"]]) }
  type Secret @authenticated { code: String! }
  type Storefront { name: String! listings(first: Int, after: String): ListingConnection! }
  type ListingConnection { nodes: [Listing!]! totalCount: Int! }
  type Listing {
    id: ID!
    title: String!
    price: Money!
    variant: Variant
    wholesale: Money @requiresScopes(scopes: [["offers:write"]])
    margin: Money! @requiresScopes(scopes: [["offers:write"]])
  }
  type Variant { sku: String! options: [VariantOption!]! product: Product! }
  type Product { name: String! }
  type VariantOption { name: String! value: String! }
  type Money { amount: String! currencyCode: String! }
  type Item { id: ID! }
  type OrderPage { items: [Order!]! }
  type Order { id: ID! total: Money @cost(weight: 3) }
`;

export interface Shop {
  url: string;
  /** Resolver calls by field, to prove what never reached the subgraph. */
  calls: Record<string, number>;
  stop: () => Promise<void>;
}

export async function startShop(): Promise<Shop> {
  const calls: Record<string, number> = {};
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const money = { amount: '9.50', currencyCode: 'EUR' };
  const listing = (i: number) => ({
    id: `lst_${i}`,
    title: `Listing ${i}`,
    price: money,
    variant: { sku: `sku_${i}`, options: [{ name: 'size', value: 'M' }], product: { name: 'Mug' } },
    wholesale: money,
    margin: money,
  });
  const server = new ApolloServer({
    schema: buildSubgraphSchema([
      {
        typeDefs: parse(SHOP_SDL),
        resolvers: {
          Query: {
            storefront: (_: unknown, { slug }: { slug: string }) => {
              count('storefront');
              return { name: `Shop ${slug}` };
            },
            me: () => {
              count('me');
              return { id: 'usr_1', note: 'private' };
            },
            secret: () => {
              count('secret');
              return { code: 's3cr3t' };
            },
            brandReport: () => {
              count('brandReport');
              return 'report';
            },
            auditTrail: () => 'trail',
            expensive: () => 1,
            search: (_: unknown, { limit }: { limit?: number }) =>
              Array.from({ length: limit ?? 3 }, (_, i) => ({ id: `itm_${i}` })),
            orders: () => {
              count('orders');
              return { items: [{ id: 'ord_1', total: money }] };
            },
          },
          Mutation: {
            signUp: () => true,
            login: () => true,
            bump: () => 1,
          },
          Storefront: {
            listings: (_: unknown, { first }: { first?: number }) => {
              count('listings');
              const nodes = Array.from({ length: Math.min(first ?? 2, 100) }, (_, i) => listing(i));
              return { nodes, totalCount: nodes.length };
            },
          },
          Listing: {
            wholesale: (l: { wholesale: unknown }) => {
              count('wholesale');
              return l.wholesale;
            },
          },
        },
      },
    ]),
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, calls, stop: () => server.stop() };
}
