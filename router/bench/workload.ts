/**
 * The workload of the public gateway benchmark (graphql-hive/graphql-gateways-benchmark),
 * written again for this repo: its four subgraphs (accounts, inventory, products,
 * reviews) with the same schema and data, and its `TestQuery`.
 *
 * Two quirks of the reference subgraphs are kept on purpose, because they shape
 * the response every router must produce:
 *  - inventory's entity resolver ignores the `price`/`weight` it is sent for
 *    `@requires`, so `shippingEstimate` is always null;
 *  - reviews' `Review.author` is always user 1 ("urigo", provided), and any
 *    user's `reviews` are reviews 1 and 2.
 */
import { composeServices } from '@apollo/composition';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { parse as parseSdl } from 'graphql';

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.';
const SED_UT =
  'Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo. Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugi';
const SED_QUIA =
  'sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi tempora incidunt ut labore et dolore magnam aliquam quaerat voluptatem.';
const UT_ENIM =
  'Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam, nisi ut aliquid ex ea commodi consequatur? Quis autem';
const AT_VERO =
  'At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti atque corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, similique sunt in culpa qui officia deserunt mollitia animi, id est laborum et dolorum fuga. Et harum quidem rerum facilis est et expedita distinctio. Nam libero tempore, cum soluta nobis est eligendi optio cumque nihil impedit quo minus id quod maxime placeat facere possimus, omnis voluptas assumenda est, omnis dolor repellendus. Temporibus autem quibusdam et aut officiis debitis aut rerum necessitatibus saepe eveniet ut et voluptates repudiandae sint et molestiae non recusandae. Itaque earum rerum hic tenetur a sapiente delectus, ut aut reiciendis voluptatibus maiores alias consequatur aut perferendis doloribus asperiores repellat.';

interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}
interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}
interface Review {
  id: string;
  body: string;
  upc: string;
}

const USERS: User[] = [
  ['1', 'Uri Goldshtein', 'urigo'],
  ['2', 'Dotan Simha', 'dotansimha'],
  ['3', 'Kamil Kisiela', 'kamilkisiela'],
  ['4', 'Arda Tanrikulu', 'ardatan'],
  ['5', 'Gil Gardosh', 'gilgardosh'],
  ['6', 'Laurin Quast', 'laurin'],
].map(([id, name, username]) => ({ id: id!, name: name!, username: username!, birthday: 1234567890 }));

const PRODUCTS: Product[] = (
  [
    ['1', 'Table', 899, 100],
    ['2', 'Couch', 1299, 1000],
    ['3', 'Glass', 15, 20],
    ['4', 'Chair', 499, 100],
    ['5', 'TV', 1299, 1000],
    ['6', 'Lamp', 6999, 300],
    ['7', 'Grill', 3999, 2000],
    ['8', 'Fridge', 100000, 6000],
    ['9', 'Sofa', 9999, 800],
  ] as const
).map(([upc, name, price, weight]) => ({ upc, name, price, weight }));

const IN_STOCK = new Map(
  [true, false, false, false, true, true, true, false, true].map((v, i) => [String(i + 1), v]),
);

const REVIEWS: Review[] = (
  [
    ['1', LOREM, '1'],
    ['2', SED_UT, '1'],
    ['3', SED_QUIA, '1'],
    ['4', UT_ENIM, '1'],
    ['5', LOREM, '2'],
    ['6', SED_UT, '2'],
    ['7', SED_QUIA, '2'],
    ['8', UT_ENIM, '2'],
    ['9', UT_ENIM, '3'],
    ['10', UT_ENIM, '4'],
    ['11', AT_VERO, '4'],
  ] as const
).map(([id, body, upc]) => ({ id, body, upc }));

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3"';

export interface BenchSubgraph {
  name: 'accounts' | 'inventory' | 'products' | 'reviews';
  sdl: string;
  resolvers: GraphQLResolverMap<unknown>;
}

export const BENCH_SUBGRAPHS: BenchSubgraph[] = [
  {
    name: 'accounts',
    // @shareable: reviews provides username (federation 1 allowed that implicitly).
    sdl: `${FED}, import: ["@key", "@shareable"])
      type Query { me: User user(id: ID!): User users: [User] }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`,
    resolvers: {
      Query: {
        me: () => USERS[0],
        user: (_: unknown, { id }: { id: string }) => USERS.find((u) => u.id === id) ?? null,
        users: () => USERS,
      },
      User: { __resolveReference: ({ id }: { id: string }) => USERS.find((u) => u.id === id) },
    },
  },
  {
    name: 'inventory',
    sdl: `${FED}, import: ["@key", "@external", "@requires"])
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }`,
    resolvers: {
      Product: {
        // Like the reference subgraph: only the stored row, the required price/weight are dropped.
        __resolveReference: ({ upc }: { upc: string }) => ({ upc, inStock: IN_STOCK.get(upc) ?? null }),
        shippingEstimate: (p: { price?: number | null; weight?: number | null }) => {
          if (p.price == null) return null;
          if (p.price > 1000) return 0;
          return p.weight == null ? null : Math.floor(p.weight / 2);
        },
      },
    },
  },
  {
    name: 'products',
    sdl: `${FED}, import: ["@key"])
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first?: number }) => PRODUCTS.slice(0, first ?? 5) },
      Product: { __resolveReference: ({ upc }: { upc: string }) => PRODUCTS.find((p) => p.upc === upc) },
    },
  },
  {
    name: 'reviews',
    sdl: `${FED}, import: ["@key", "@external", "@provides"])
      type Review @key(fields: "id") {
        id: ID!
        body: String
        product: Product
        author: User @provides(fields: "username")
      }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: {
        __resolveReference: ({ id }: { id: string }) => REVIEWS.find((r) => r.id === id),
        product: (r: Review) => ({ upc: r.upc }),
        author: () => ({ id: '1', username: 'urigo' }),
      },
      User: {
        __resolveReference: ({ id }: { id: string }) => ({ id, username: 'user' }),
        reviews: () => REVIEWS.slice(0, 2),
      },
      Product: {
        __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
        reviews: (p: { upc: string }) => REVIEWS.filter((r) => r.upc === p.upc),
      },
    },
  },
];

/** The benchmark's query: about 88 KB of response. */
export const TEST_QUERY = `fragment User on User {
  id
  username
  name
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock
  name
  price
  shippingEstimate
  upc
  weight
}

query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    ...Product
    reviews {
      ...Review
      author {
        ...User
        reviews {
          ...Review
          product {
            ...Product
          }
        }
      }
    }
  }
}`;

/** The supergraph of the four subgraphs served under `origin` (`<origin>/<name>`). */
export function composeBenchSupergraph(origin: string): string {
  const result = composeServices(
    BENCH_SUBGRAPHS.map((s) => ({
      name: s.name,
      url: `${origin}/${s.name}`,
      typeDefs: parseSdl(s.sdl),
    })),
  );
  if (result.errors) throw new Error(`composition failed: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}
