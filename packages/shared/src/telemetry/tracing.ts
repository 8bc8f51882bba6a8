import {
  type Context,
  context,
  createContextKey,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { ConfigError } from '../config.ts';

export { type Context, type Span, SpanKind, SpanStatusCode };

/**
 * OpenTelemetry tracing of every Tradegraph process, off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set.
 *
 * Off, no SDK is started and every hook in the kernel and the router is one
 * boolean test. On, each service gets its own TracerProvider (resource
 * `service.name` = the service), so the in-process stack of the end-to-end
 * tests exports one service per subgraph just as separate processes do; the
 * service is carried in the OpenTelemetry context next to the active span, so
 * SQL, resolver and event spans land in the service whose request runs them.
 */

let enabled = false;
let settings: TracingSettings | undefined;
const providers = new Map<string, TracerProvider>();
const tracers = new Map<string, Tracer>();
const SERVICE_KEY = createContextKey('tradegraph service');
/** The SDK's modules, loaded only when tracing starts (off, a process never loads them). */
let sdk:
  | {
      trace: typeof import('@opentelemetry/sdk-trace');
      exporter: typeof import('@opentelemetry/exporter-trace-otlp-http');
      resources: typeof import('@opentelemetry/resources');
    }
  | undefined;

export interface TracingSettings {
  /** Full URL of the OTLP/HTTP traces endpoint (…/v1/traces). */
  url: string;
  /** Share of new traces recorded (0..1); a caller's sampled flag is always followed. */
  ratio: number;
  /** Only for tests: where spans go instead of OTLP. */
  exporter?: () => SpanExporter;
}

/** The tracing settings in `env`, or undefined when tracing is off; throws ConfigError for bad values. */
export function tracingSettings(env: Record<string, string | undefined>): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!traces && !base) return undefined;
  const problems: string[] = [];
  const url = traces || `${base!.replace(/\/+$/, '')}/v1/traces`;
  if (!/^https?:\/\/[^\s]+$/.test(url))
    problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT "${url}" is not an http(s) URL`);
  const rawRatio = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const ratio = rawRatio ? Number(rawRatio) : 1;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG "${rawRatio}" is not a number between 0 and 1`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { url, ratio };
}

/**
 * Starts tracing for this process when `env` asks for it (idempotent: the
 * first call that enables it wins, later calls only add nothing). Returns
 * whether tracing is on.
 */
export async function startTracing(
  env: Record<string, string | undefined>,
  override?: TracingSettings,
): Promise<boolean> {
  if (enabled) return true;
  const found = override ?? tracingSettings(env);
  if (!found) return false;
  const [traceSdk, exporter, resources, hooks] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  if (enabled) return true;
  sdk = { trace: traceSdk, exporter, resources };
  settings = found;
  // Spans follow async work (awaits, timers, DataLoader batches) through AsyncLocalStorage.
  context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  enabled = true;
  return true;
}

export function tracingEnabled(): boolean {
  return enabled;
}

/** The tracer of `service` (its own provider and resource); undefined while tracing is off. */
export function tracerFor(service: string): Tracer | undefined {
  if (!enabled || !settings || !sdk) return undefined;
  let tracer = tracers.get(service);
  if (!tracer) {
    const { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk.trace;
    const exporter = settings.exporter?.() ?? new sdk.exporter.OTLPTraceExporter({ url: settings.url });
    const provider = new sdk.trace.TracerProvider({
      resource: sdk.resources.resourceFromAttributes({
        'service.name': service,
        'service.namespace': 'tradegraph',
      }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.ratio) }),
      spanProcessors: [new BatchSpanProcessor({ exporter })],
    });
    providers.set(service, provider);
    tracer = provider.getTracer('@tradegraph/shared');
    tracers.set(service, tracer);
  }
  return tracer;
}

/** Exports every span ended so far (call before a process stops, and in tests before reading a receiver). */
export async function flushTracing(): Promise<void> {
  await Promise.all([...providers.values()].map((p) => p.forceFlush()));
}

/** The service whose work the active context belongs to (set by serviceContext). */
export function activeService(ctx: Context = context.active()): string | undefined {
  return ctx.getValue(SERVICE_KEY) as string | undefined;
}

/** `parent` marked as belonging to `service`: spans started under it use that service's tracer. */
export function serviceContext(service: string, parent: Context = context.active()): Context {
  return parent.setValue(SERVICE_KEY, service);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A context whose parent span is the remote one in `traceparent` (ROOT when absent or invalid). */
export function contextFromTraceparent(traceparent: string | undefined, tracestate?: string): Context {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m) return ROOT_CONTEXT;
  const sc: SpanContext = {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: Number.parseInt(m[3]!, 16) & 1,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
  return isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** The W3C `traceparent` of a span. */
export function traceparentOf(span: Span | SpanContext): string {
  const sc = 'spanContext' in span ? span.spanContext() : span;
  return `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & 1).toString(16)}`;
}

/**
 * Starts a span of the active service (or `service`) under `parent` (the
 * active context by default). Undefined when tracing is off or no service is
 * known, so callers do nothing else.
 */
export function startSpan(
  name: string,
  options: {
    kind?: SpanKind;
    attributes?: Record<string, string | number | boolean | string[] | undefined>;
    parent?: Context;
    service?: string;
    startTime?: number;
  } = {},
): { span: Span; ctx: Context } | undefined {
  if (!enabled) return undefined;
  const parent = options.parent ?? context.active();
  const service = options.service ?? activeService(parent);
  if (!service) return undefined;
  const tracer = tracerFor(service)!;
  const span = tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: definedOnly(options.attributes) } : {}),
      ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
    },
    parent,
  );
  return { span, ctx: serviceContext(service, trace.setSpan(parent, span)) };
}

function definedOnly(attrs: Record<string, string | number | boolean | string[] | undefined>) {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = v;
  return out;
}

/** Ends `span`, marked as an error when `err` is given. */
export function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}

/**
 * Runs `fn` inside a new child span of the active one (ended when `fn`
 * settles, an error when it throws); just `fn()` when tracing is off or no
 * span is active.
 */
export function inSpan<T>(
  name: string,
  fn: () => T,
  options: Parameters<typeof startSpan>[1] & { requireParent?: boolean } = {},
): T {
  if (!enabled) return fn();
  if (options.requireParent !== false && !trace.getSpan(options.parent ?? context.active())?.isRecording()) {
    return fn();
  }
  const started = startSpan(name, options);
  if (!started) return fn();
  const { span, ctx } = started;
  let result: T;
  try {
    result = context.with(ctx, fn);
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (err) => {
        endSpan(span, err);
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** Runs `fn` with `ctx` active (just `fn()` when ctx is undefined). */
export function withContext<T>(ctx: Context | undefined, fn: () => T): T {
  return ctx ? context.with(ctx, fn) : fn();
}

/** trace_id and span_id of the active span, for log lines; undefined when there is none. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!enabled) return undefined;
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const sc = span.spanContext();
  return { trace_id: sc.traceId, span_id: sc.spanId };
}

/** Only for tests: tracing off again, providers dropped (spans not yet exported are lost). */
export async function resetTracingForTests(): Promise<void> {
  await Promise.all([...providers.values()].map((p) => p.shutdown()));
  providers.clear();
  tracers.clear();
  context.disable();
  enabled = false;
  settings = undefined;
}
