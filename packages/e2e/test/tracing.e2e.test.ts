import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { flushTracing, startSpan, traceLogFields, withContext } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually.ts';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * OpenTelemetry end to end (docs/observability.md#traces): the stack boots
 * with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver in this
 * process, which decodes the JSON exports. A storefront query must arrive as
 * one connected trace over the router and four subgraphs, and a checkout as
 * one trace over the router, orders and, through the events' trace context,
 * the services that react to the order.
 */

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** OTLP JSON ids are hex; some exporters send base64 (the protobuf JSON mapping). */
function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
const otlpValue = (v: OtlpValue) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;

/** A tiny OTLP/HTTP traces receiver (JSON encoding, optionally gzipped). */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.url !== '/v1/traces' || !req.headers['content-type']?.includes('json')) {
        res.writeHead(415).end();
        return;
      }
      const doc = JSON.parse(body.toString('utf8')) as {
        resourceSpans?: {
          resource?: { attributes?: { key: string; value: OtlpValue }[] };
          scopeSpans?: {
            spans?: {
              traceId: string;
              spanId: string;
              parentSpanId?: string;
              name: string;
              kind: number;
              attributes?: { key: string; value: OtlpValue }[];
            }[];
          }[];
        }[];
      };
      for (const rs of doc.resourceSpans ?? []) {
        const service = String(
          otlpValue(rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value ?? {}) ?? '',
        );
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              traceId: hexId(s.traceId)!,
              spanId: hexId(s.spanId)!,
              parentSpanId: hexId(s.parentSpanId),
              name: s.name,
              kind: s.kind,
              attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, otlpValue(a.value)])),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, server };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let s: Stack;
type Party = { token: string; orgId: string };

async function must(query: string, variables: Record<string, unknown>, token?: string) {
  const res = await s.gql(query, variables, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const [payload] = Object.values(res.data ?? {}) as { userErrors?: unknown[] }[];
  expect(payload?.userErrors ?? [], JSON.stringify(payload?.userErrors)).toEqual([]);
  return payload as Record<string, any>;
}

async function signUp(tag: string, kind: string): Promise<Party> {
  const p = await must(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken organization { id } userErrors { code message } } }`,
    {
      i: {
        email: `${tag}@tracing.test`,
        password: 'a long enough password',
        name: tag,
        organization: { name: `Tracing ${tag}`, kind },
      },
    },
  );
  return { token: p.accessToken, orgId: p.organization.id };
}

async function connect(from: Party, to: Party, scopes: string[]) {
  const req = await must(
    `mutation($i: RequestConnectionInput!) { requestConnection(input: $i) { connection { id } userErrors { code message } } }`,
    { i: { partnerId: to.orgId, scopes } },
    from.token,
  );
  await must(
    `mutation($i: RespondToConnectionInput!) { respondToConnection(input: $i) { connection { status } userErrors { code message } } }`,
    { i: { connectionId: req.connection.id, accept: true } },
    to.token,
  );
}

/** Retried until its userErrors clear: it depends on an event projection. */
async function mustEventually(query: string, variables: Record<string, unknown>, token: string) {
  const res = await eventually(
    () => s.gql(query, variables, token),
    (r) => !r.errors && !(Object.values(r.data ?? {})[0] as { userErrors?: unknown[] })?.userErrors?.length,
    15_000,
    query.slice(0, 60),
  );
  return Object.values(res.data ?? {})[0] as Record<string, any>;
}

const SLUG = 'tracing-store';
const listingIds: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  s = await startStack(
    // Each storefront query must reach every subgraph (its spans are asserted), so the
    // router's entity cache, which would answer repeated shopper reads itself, is off.
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      IDENTITY_AUTO_VERIFY_EMAILS: 'true',
      ROUTER_ENTITY_CACHE: 'false',
    },
    { processLikeEventWakeups: true },
  );
  const brand = await signUp('brand', 'BRAND');
  const supplier = await signUp('supplier', 'SUPPLIER');
  const retailer = await signUp('retailer', 'RETAILER');
  await connect(retailer, brand, ['CATALOG_READ', 'SELL_PRODUCTS']);
  await connect(supplier, brand, ['CATALOG_READ', 'FULFILL_ORDERS']);
  const product = await must(
    `mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id } } userErrors { code message } } }`,
    {
      i: {
        name: 'Traced Mug',
        options: [{ name: 'Size', values: ['S', 'L'] }],
        variants: ['S', 'L'].map((size) => ({
          sku: `TRACED-${size}`,
          options: [{ name: 'Size', value: size }],
          msrp: { amount: '25.00', currencyCode: 'EUR' },
        })),
      },
    },
    brand.token,
  );
  await must(
    `mutation($i: PublishProductInput!) { publishProduct(input: $i) { product { status } userErrors { code } } }`,
    { i: { id: product.product.id } },
    brand.token,
  );
  const wh = await must(
    `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } userErrors { code message } } }`,
    {
      i: {
        name: 'Traced DC',
        address: { name: 'Depot', line1: 'Kade 2', city: 'Rotterdam', postalCode: '3011AB', country: 'NL' },
      },
    },
    supplier.token,
  );
  const sf = await must(
    `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) { storefront { id } userErrors { code message } } }`,
    { i: { name: 'Tracing Store', slug: SLUG, currencyCode: 'EUR', defaultMarkupPercent: '40' } },
    retailer.token,
  );
  for (const v of product.product.variants as { id: string }[]) {
    await mustEventually(
      `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { offer { id } userErrors { code message } } }`,
      {
        i: {
          variantId: v.id,
          wholesalePrice: { amount: '10.00', currencyCode: 'EUR' },
          minimumOrderQuantity: 1,
          leadTimeDays: 2,
        },
      },
      supplier.token,
    );
    await must(
      `mutation($i: AdjustInventoryInput!) { adjustInventory(input: $i) { level { available } userErrors { code message } } }`,
      { i: { warehouseId: wh.warehouse.id, variantId: v.id, delta: 20, reason: 'initial stock' } },
      supplier.token,
    );
    const listed = await mustEventually(
      `mutation($i: CreateListingInput!) { createListing(input: $i) { listing { id } userErrors { code message } } }`,
      {
        i: {
          storefrontId: sf.storefront.id,
          variantId: v.id,
          price: { amount: '25.00', currencyCode: 'EUR' },
        },
      },
      retailer.token,
    );
    listingIds.push(listed.listing.id);
  }
  await must(
    `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) { storefront { id } userErrors { code } } }`,
    { i: { id: sf.storefront.id } },
    retailer.token,
  );
}, 180_000);

afterAll(async () => {
  await s?.stop();
  await new Promise((resolve) => receiver?.server.close(resolve));
});

/** The spans of one trace received so far (after exporting what every service has ended). */
async function traceSpans(traceId: string): Promise<ReceivedSpan[]> {
  await flushTracing();
  return receiver.spans.filter((x) => x.traceId === traceId);
}

/** Spans whose parent is not (yet) among `spans`. */
function orphansOf(spans: ReceivedSpan[]): ReceivedSpan[] {
  const ids = new Set(spans.map((x) => x.spanId));
  return spans.filter((x) => x.parentSpanId && !ids.has(x.parentSpanId));
}

/** Every span's parent is in the trace, except the one root. */
function expectConnected(spans: ReceivedSpan[]) {
  const roots = spans.filter((x) => !x.parentSpanId);
  const orphans = orphansOf(spans);
  expect(
    orphans.map((x) => `${x.service}: ${x.name}`),
    'spans whose parent is not in the trace',
  ).toEqual([]);
  expect(roots.map((x) => `${x.service}: ${x.name}`)).toHaveLength(1);
  return roots[0]!;
}

const STOREFRONT = `query TracedStorefront($slug: String!) {
  storefront(slug: $slug) {
    name
    listings(first: 10) {
      nodes {
        id title available
        price { amount currencyCode }
        variant { id sku availableQuantity product { name brand { name } } }
      }
    }
  }
}`;

describe('OpenTelemetry traces over OTLP', () => {
  it('a storefront query is one connected trace: router operation, its steps and fetches, four subgraphs with resolvers and SQL', async () => {
    const res = await eventually(
      () => s.gql(STOREFRONT, { slug: SLUG }),
      (r) =>
        r.data?.storefront?.listings.nodes.length === 2 &&
        r.data.storefront.listings.nodes.every(
          (n: { variant: { availableQuantity: number } | null }) => n.variant?.availableQuantity === 20,
        ),
      15_000,
      'the storefront with both listings in stock',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.storefront.listings.nodes[0].variant.product.brand.name).toBe('Tracing brand');

    // The trace of the last (successful) request: its router operation span.
    await flushTracing();
    const operation = receiver.spans.findLast(
      (x) => x.service === 'router' && x.name === 'query TracedStorefront',
    );
    expect(operation, 'the router span of the storefront operation').toBeDefined();
    // A subgraph ends its server span just after answering: wait until all four are exported.
    const spans = await eventually(
      () => traceSpans(operation!.traceId),
      (x) => orphansOf(x).length === 0 && x.filter((y) => y.kind === 2).length >= 5,
      10_000,
      'the whole storefront trace',
    );
    const root = expectConnected(spans);
    expect(root.spanId).toBe(operation!.spanId);
    expect(root.kind).toBe(2); // SERVER
    expect(root.attributes['graphql.operation.type']).toBe('query');

    const children = (parent: ReceivedSpan) => spans.filter((x) => x.parentSpanId === parent.spanId);
    const steps = children(root).map((x) => x.name);
    expect(steps).toEqual(expect.arrayContaining(['plan', 'execute']));
    const execute = children(root).find((x) => x.name === 'execute')!;
    const fetches = children(execute);
    expect(fetches.length).toBeGreaterThanOrEqual(4);
    expect(new Set(fetches.map((f) => f.attributes['tradegraph.subgraph']))).toEqual(
      new Set(['retailer', 'catalog', 'supplier', 'identity']),
    );

    // Each fetch is continued by the subgraph's server span, with resolver and SQL spans below it.
    for (const fetch of fetches) {
      const subgraph = String(fetch.attributes['tradegraph.subgraph']);
      const [server] = children(fetch);
      expect(server, `${subgraph}'s server span under the router's fetch`).toBeDefined();
      expect(server!.service).toBe(subgraph);
      expect(server!.kind).toBe(2);
      const resolvers = children(server!);
      expect(resolvers.length, `${subgraph} resolver spans`).toBeGreaterThan(0);
      expect(resolvers.every((r) => r.service === subgraph)).toBe(true);
    }
    const names = (service: string) => spans.filter((x) => x.service === service).map((x) => x.name);
    expect(names('retailer')).toContain('Query.storefront');
    expect(names('catalog').some((n) => n.startsWith('resolveReference '))).toBe(true);
    // SQL spans sit under the service that ran them (catalog and identity may answer from their caches).
    const sql = spans.filter((x) => x.attributes['db.system.name'] === 'mysql');
    expect(sql.map((x) => x.service)).toContain('retailer');
    expect(sql.map((x) => x.service)).toContain('supplier');
    for (const q of sql) expect(spans.find((x) => x.spanId === q.parentSpanId)?.service).toBe(q.service);
    expect(new Set(spans.map((x) => x.service))).toEqual(
      new Set(['router', 'retailer', 'catalog', 'supplier', 'identity']),
    );
  });

  it("continues a caller's traceparent", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await s.gql(STOREFRONT, { slug: SLUG }, undefined, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(res.errors).toBeUndefined();
    const spans = await eventually(
      () => traceSpans(traceId),
      (x) => x.some((y) => y.service === 'identity'),
      10_000,
      'the spans of the caller trace',
    );
    const operation = spans.find((x) => x.service === 'router' && x.kind === 2)!;
    expect(operation.parentSpanId).toBe('00f067aa0ba902b7');
  });

  it('a checkout is one trace: router, orders, and through the events supplier, payments and notifications', async () => {
    const cart = await must(
      `mutation($i: CreateCartInput!) { createCart(input: $i) { cart { id } userErrors { code message } } }`,
      { i: { storefrontSlug: SLUG } },
    );
    await must(
      `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { id } userErrors { code message } } }`,
      { i: { cartId: cart.cart.id, listingId: listingIds[0], quantity: 2 } },
    );
    const placed = await mustEventually(
      `mutation TracedCheckout($i: CheckoutInput!) {
        checkout(input: $i) { order { id status } orderAccessToken userErrors { code message field } }
      }`,
      {
        i: {
          cartId: cart.cart.id,
          email: 'shopper@tracing.test',
          shippingAddress: {
            name: 'Sasha Shopper',
            line1: 'Main St 1',
            city: 'Utrecht',
            postalCode: '3511AA',
            country: 'NL',
          },
          paymentToken: 'tok_visa',
          idempotencyKey: `tracing-${cart.cart.id}`,
        },
      },
      '',
    );
    expect(placed.order?.id).toBeDefined();

    await flushTracing();
    const operation = receiver.spans.findLast(
      (x) => x.service === 'router' && x.name === 'mutation TracedCheckout',
    );
    expect(operation, 'the router span of the checkout').toBeDefined();
    // The saga runs on after the response: wait until the services reacting to the order are in the trace.
    const spans = await eventually(
      () => traceSpans(operation!.traceId),
      // Parents end after their children: wait until every span's parent has been exported too.
      (x) =>
        ['supplier', 'payments', 'notifications'].every((svc) =>
          x.some((y) => y.service === svc && y.kind === 5),
        ) && orphansOf(x).length === 0,
      30_000,
      'supplier, payments and notifications to handle the order events in the checkout trace',
    );
    const root = expectConnected(spans);
    expect(root.spanId).toBe(operation!.spanId);
    const services = new Set(spans.map((x) => x.service));
    for (const svc of ['router', 'orders', 'supplier', 'payments', 'notifications']) {
      expect(services).toContain(svc);
    }
    // Events: the outbox write, the relay's publish and each consumer's handling, linked by the envelope.
    const outbox = spans.filter((x) => x.name.startsWith('outbox '));
    expect(outbox.some((x) => x.service === 'orders' && x.name === 'outbox orders.order.placed')).toBe(true);
    const published = spans.filter((x) => x.name.startsWith('publish '));
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) expect(outbox.map((o) => o.spanId)).toContain(p.parentSpanId);
    const consumed = spans.filter((x) => x.kind === 5); // CONSUMER
    for (const c of consumed) expect(outbox.map((o) => o.spanId)).toContain(c.parentSpanId);
    expect(consumed.some((c) => c.service === 'supplier' && c.name === 'process orders.order.placed')).toBe(
      true,
    );
  });

  it('log lines carry the active trace_id and span_id', () => {
    const started = startSpan('log check', { service: 'e2e' })!;
    const fields = withContext(started.ctx, () => traceLogFields()) as Record<string, string>;
    started.span.end();
    expect(fields).toEqual({
      trace_id: started.span.spanContext().traceId,
      span_id: started.span.spanContext().spanId,
    });
    expect(traceLogFields()).toEqual({});
  });
});
