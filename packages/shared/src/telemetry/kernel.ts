import {
  defaultFieldResolver,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { EventEnvelope } from '../events/envelope.ts';
import type { OutgoingRecord } from '../events/transport.ts';
import {
  activeTraceIds,
  type Context,
  contextFromTraceparent,
  endSpan,
  inSpan,
  type Span,
  SpanKind,
  SpanStatusCode,
  serviceContext,
  startSpan,
  traceparentOf,
  tracingEnabled,
  withContext,
} from './tracing.ts';

/**
 * The spans of the kernel: a subgraph's server span and root resolvers, SQL
 * statements, and the life of an event (outbox write, relay publish, consume).
 * Each function is a no-op (one boolean test) while tracing is off.
 */

/** For pino's `mixin`: trace_id and span_id of the active span on every log line (pino writes into the object: fresh). */
export function traceLogFields(): object {
  return activeTraceIds() ?? {};
}

/**
 * The server span of one subgraph request, continuing the caller's trace
 * (`traceparent` from the router). Run the request in `ctx`, then `end` it.
 */
export function startServerSpan(
  service: string,
  traceparent: string | undefined,
  attributes: { method: string; path: string },
): { ctx: Context; end: (status: number, err?: unknown) => void } | undefined {
  if (!tracingEnabled()) return undefined;
  const started = startSpan(`${attributes.method} ${attributes.path}`, {
    kind: SpanKind.SERVER,
    service,
    parent: serviceContext(service, contextFromTraceparent(traceparent)),
    attributes: { 'http.request.method': attributes.method, 'url.path': attributes.path },
  });
  if (!started) return undefined;
  const { span, ctx } = started;
  return {
    ctx,
    end(status, err) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      endSpan(span, err);
    },
  };
}

/** Names the server span after the operation once Apollo has resolved it. */
export function nameServerSpan(span: Span | undefined, operationType?: string, operationName?: string): void {
  if (!span || !operationType) return;
  span.updateName(`${operationType} ${operationName ?? 'anonymous'}`.trim());
  span.setAttribute('graphql.operation.type', operationType);
  if (operationName) span.setAttribute('graphql.operation.name', operationName);
}

/**
 * Wraps the root fields of Query and Mutation (including `_entities`, which
 * runs every `__resolveReference` of one fetch) in a span each, with the
 * field's SQL and events beneath it. Scalar and nested fields stay bare:
 * one span per row would cost more than it tells. Returns `schema` untouched
 * while tracing is off.
 */
export function traceRootResolvers(schema: GraphQLSchema): GraphQLSchema {
  if (!tracingEnabled()) return schema;
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.name === '_service') continue;
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      const entities = field.name === '_entities';
      field.resolve = (source, args, ctx, info: GraphQLResolveInfo) => {
        const name = entities ? `resolveReference ${entityTypes(args)}` : `${type.name}.${field.name}`;
        return inSpan(name, () => resolve(source, args, ctx, info), {
          attributes: {
            'graphql.field.path': `${type.name}.${field.name}`,
            ...(entities
              ? {
                  'graphql.entities.count': (args as { representations?: unknown[] }).representations?.length,
                }
              : {}),
          },
        });
      };
    }
  }
  return schema;
}

function entityTypes(args: unknown): string {
  const reps = (args as { representations?: { __typename?: unknown }[] }).representations ?? [];
  return [...new Set(reps.map((r) => String(r?.__typename)))].sort().join(',');
}

/**
 * MikroORM's query log hook (called after every statement with its duration):
 * a span for the statement, under the active span only, so background polling
 * (relay passes, log consumers) does not start traces of its own.
 */
export function recordQuery(entry: {
  query?: string;
  took?: number;
  results?: number;
  affected?: number;
  level?: string;
}): void {
  if (!tracingEnabled() || entry.took === undefined || !entry.query) return;
  const text = entry.query;
  const operation = /^\s*([a-z]+)/i.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  inSpan(
    operation,
    () => {
      // recorded after the fact: the span covers the statement's measured time
    },
    {
      kind: SpanKind.CLIENT,
      startTime: Date.now() - entry.took,
      attributes: {
        'db.system.name': 'mysql',
        'db.operation.name': operation,
        'db.query.text': text.length > 2000 ? `${text.slice(0, 2000)}…` : text,
        'db.response.returned_rows': entry.results,
        'db.response.affected_rows': entry.affected,
        ...(entry.level === 'error' ? { 'error.type': 'sql_error' } : {}),
      },
    },
  );
}

/**
 * The span of an event written to the outbox, a child of the request (or
 * event handler) that wrote it. The envelope then carries this span's trace
 * context: the relay's publish and every consumer's handling join the trace.
 */
export function traceOutboxWrite(envelope: EventEnvelope, topic: string): void {
  if (!tracingEnabled()) return;
  const started = startSpan(`outbox ${envelope.type}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.operation.type': 'create',
      'messaging.system': 'tradegraph',
      'messaging.destination.name': topic,
      'messaging.message.id': envelope.id,
    },
  });
  if (!started) return;
  envelope.traceparent = traceparentOf(started.span);
  started.span.end();
}

/** The relay's send of outbox rows to the bus: a span per event, child of the event's outbox span. */
export async function tracedRelayPublish(
  service: string,
  records: OutgoingRecord[],
  send: () => Promise<void>,
): Promise<void> {
  if (!tracingEnabled()) return send();
  const spans: Span[] = [];
  for (const r of records) {
    const started = startSpan(`publish ${r.headers?.type ?? r.topic}`, {
      kind: SpanKind.PRODUCER,
      service,
      parent: contextFromTraceparent(r.headers?.traceparent),
      attributes: {
        'messaging.operation.type': 'send',
        'messaging.system': 'tradegraph',
        'messaging.destination.name': r.topic,
        'messaging.message.id': r.eventId,
      },
    });
    if (started) spans.push(started.span);
  }
  try {
    await send();
  } catch (err) {
    for (const s of spans) endSpan(s, err);
    throw err;
  }
  for (const s of spans) s.end();
}

/**
 * A consumer group's handling of one event, as a child of the span that
 * wrote the event (its envelope's trace context): the handler's SQL and the
 * events it publishes in turn stay in the producing request's trace.
 */
export async function tracedConsume<T>(
  service: string,
  group: string,
  topic: string,
  envelope: EventEnvelope,
  handle: () => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return handle();
  const started = startSpan(`process ${envelope.type}`, {
    kind: SpanKind.CONSUMER,
    service,
    parent: serviceContext(service, contextFromTraceparent(envelope.traceparent)),
    attributes: {
      'messaging.operation.type': 'process',
      'messaging.system': 'tradegraph',
      'messaging.consumer.group.name': group,
      'messaging.destination.name': topic,
      'messaging.message.id': envelope.id,
    },
  });
  if (!started) return handle();
  try {
    const result = await withContext(started.ctx, handle);
    started.span.end();
    return result;
  } catch (err) {
    endSpan(started.span, err);
    throw err;
  }
}
