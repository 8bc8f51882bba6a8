import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  type Context,
  contextFromTraceparent,
  endSpan,
  inSpan,
  nameServerSpan,
  type Span,
  SpanKind,
  SpanStatusCode,
  serviceContext,
  startSpan,
  traceparentOf,
  tracingEnabled,
} from '@tradegraph/shared/edge';
import type { RouterContext } from '../context.ts';

/**
 * The router's spans (docs/observability.md#traces): one per operation,
 * continuing the caller's trace context, with parse, validate, plan and
 * execute children, and one client span per subgraph fetch whose context is
 * the `traceparent` the subgraph continues. Every function is a no-op while
 * tracing is off.
 */

const SERVICE = 'router';

export interface OperationSpan {
  span: Span;
  ctx: Context;
  end: (status: number) => void;
}

/** The operation's span for one /graphql request; undefined while tracing is off. */
export function startOperationSpan(req: IncomingMessage, ctx: RouterContext): OperationSpan | undefined {
  if (!tracingEnabled()) return undefined;
  const started = startSpan(`${req.method ?? 'GET'} /graphql`, {
    kind: SpanKind.SERVER,
    service: SERVICE,
    parent: serviceContext(SERVICE, contextFromTraceparent(ctx.traceparent, ctx.tracestate)),
    attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': '/graphql' },
  });
  if (!started) return undefined;
  const { span } = started;
  return {
    span,
    ctx: started.ctx,
    end(status) {
      nameServerSpan(span, ctx.operation.type, ctx.operation.name ?? undefined);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/** Apollo plugin: parse and validate spans under the operation's (Apollo skips both for a cached document). */
export function tracingPlugin(): ApolloServerPlugin<RouterContext> {
  const step = (name: string) => {
    const started = startSpan(name);
    return started ? async (err?: unknown) => endSpan(started.span, err ?? undefined) : undefined;
  };
  return {
    async requestDidStart() {
      return {
        async parsingDidStart() {
          return step('parse');
        },
        async validationDidStart() {
          const end = step('validate');
          return end && (async (errors?: readonly Error[]) => end(errors?.[0]));
        },
      };
    },
  };
}

/** Runs a step of the plan executor (`plan`, `execute`) in a child span of the operation's. */
export function traceStep<T>(name: string, fn: () => T): T {
  return inSpan(name, fn);
}

/** A subgraph fetch: a client span whose `traceparent` goes to the subgraph. */
export function startFetchSpan(
  subgraph: string,
  url: string,
  operationName: string | undefined,
): { traceparent: string; end: (outcome: string, err?: unknown) => void } | undefined {
  if (!tracingEnabled()) return undefined;
  const started = startSpan(`fetch ${subgraph}`, {
    kind: SpanKind.CLIENT,
    service: SERVICE,
    attributes: {
      'tradegraph.subgraph': subgraph,
      'http.request.method': 'POST',
      'url.full': url,
      'graphql.operation.name': operationName,
    },
  });
  if (!started) return undefined;
  const { span } = started;
  return {
    traceparent: traceparentOf(span),
    end(outcome, err) {
      span.setAttribute('tradegraph.fetch.outcome', outcome);
      if (outcome !== 'ok' && err === undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      endSpan(span, err);
    },
  };
}
