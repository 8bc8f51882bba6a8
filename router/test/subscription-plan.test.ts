/**
 * The rest of a subscription's plan runs on the plan executor's node runner:
 * every entity fetch carries the subscriber's identity, identical
 * representations are sent once, and subgraph errors get the event's paths.
 */
import { Supergraph } from '@apollo/federation-internals';
import { createLogger, INTERNAL_TOKEN_HEADER, type Principal } from '@tradegraph/shared';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { RouterContext } from '../src/context.ts';
import { SubgraphDataSource } from '../src/datasource.ts';
import { SubscriptionPlanner } from '../src/subscriptions/plan.ts';
import { composeSupergraph } from './helpers.ts';

const logger = createLogger('test', 'silent');
const LIVE_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { ping: Boolean }
  type Subscription { changed: Change! }
  type Change { orders: [Order!]! }
  type Order @key(fields: "id") { id: ID! }
`;
const ACCOUNTS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Order @key(fields: "id") { id: ID! retailer: String }
`;
const DOCUMENT = parse('subscription { changed { orders { id retailer } } }');

const subscriber: Principal = {
  kind: 'user',
  userId: 'usr_1',
  organizationId: 'org_1',
  organizationKind: 'RETAILER',
  role: 'OWNER',
  permissions: ['orders:read'],
};

function setup(answer: (representations: { id: string }[]) => unknown) {
  const sent: { token: string | undefined; representations: { id: string }[] }[] = [];
  const sources = new Map<string, SubgraphDataSource>();
  for (const name of ['live', 'accounts']) {
    sources.set(
      name,
      new SubgraphDataSource({
        name,
        url: `http://${name}.invalid/graphql`,
        logger,
        internalToken: async (audience, principal) =>
          `${audience}:${principal.kind === 'user' ? principal.userId : principal.kind}`,
        post: async (_url, headers, body) => {
          const { representations } = JSON.parse(body).variables as { representations: { id: string }[] };
          sent.push({ token: headers[INTERNAL_TOKEN_HEADER], representations });
          return {
            status: 200,
            contentType: 'application/json',
            cacheControl: undefined,
            text: JSON.stringify(answer(representations)),
          };
        },
      }),
    );
  }
  const supergraph = Supergraph.build(
    composeSupergraph([
      { name: 'live', sdl: LIVE_SDL, url: 'http://live.invalid/graphql' },
      { name: 'accounts', sdl: ACCOUNTS_SDL, url: 'http://accounts.invalid/graphql' },
    ]),
  );
  const planner = new SubscriptionPlanner(supergraph, sources);
  const plan = planner.plan('key', DOCUMENT, undefined);
  const ctx: RouterContext = {
    principal: subscriber,
    requestId: 'req_1',
    logger,
    operation: { type: 'subscription' },
    clientIp: '',
    protection: { rateLimits: [] },
  };
  const event = () => ({
    changed: {
      orders: [
        { __typename: 'Order', id: 'o1' },
        { __typename: 'Order', id: 'o2' },
        { __typename: 'Order', id: 'o1' },
      ],
    },
  });
  return { planner, plan, ctx, sent, event };
}

describe('subscription plan', () => {
  it('fetches the rest once per distinct entity, as the subscriber, with the paths of the event', async () => {
    const { planner, plan, ctx, sent, event } = setup((representations) => ({
      data: {
        _entities: representations.map(({ id }) =>
          id === 'o2' ? null : { __typename: 'Order', retailer: `shop of ${id}` },
        ),
      },
      errors: representations.flatMap(({ id }, i) =>
        id === 'o2'
          ? [
              {
                message: 'no retailer',
                path: ['_entities', i, 'retailer'],
                extensions: { code: 'NOT_FOUND' },
              },
            ]
          : [],
      ),
    }));
    expect(plan.primary.serviceName).toBe('live');
    const data = event();
    const errors = await planner.runRest(plan, data, ctx, undefined);

    expect(sent).toEqual([
      {
        token: 'accounts:usr_1',
        representations: [
          { __typename: 'Order', id: 'o1' },
          { __typename: 'Order', id: 'o2' },
        ],
      },
    ]);
    expect(data.changed.orders).toEqual([
      { __typename: 'Order', id: 'o1', retailer: 'shop of o1' },
      { __typename: 'Order', id: 'o2' },
      { __typename: 'Order', id: 'o1', retailer: 'shop of o1' },
    ]);
    expect(errors.map((e) => e.toJSON())).toEqual([
      {
        message: 'no retailer',
        path: ['changed', 'orders', 1, 'retailer'],
        extensions: { code: 'NOT_FOUND', serviceName: 'accounts' },
      },
    ]);
  });

  it('reports a malformed subgraph answer as an error of the event instead of failing it', async () => {
    const { planner, plan, ctx, event } = setup(() => ({ data: { _entities: [] } }));
    const errors = await planner.runRest(plan, event(), ctx, undefined);
    expect(errors.map((e) => e.toJSON())).toEqual([
      { message: 'Expected "data._entities" to contain 2 elements', extensions: { code: 'INTERNAL' } },
    ]);
  });
});
