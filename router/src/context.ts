import { randomUUID } from 'node:crypto';
import type { Logger, Principal } from '@tradegraph/shared';

/** Per-request state shared by the HTTP layer, Apollo plugins and the subgraph data sources. */
export interface RouterContext {
  principal: Principal;
  requestId: string;
  /** The caller's W3C trace context, forwarded unchanged to subgraphs when it was valid. */
  traceparent?: string;
  tracestate?: string;
  logger: Logger;
  /**
   * Filled in once the operation is resolved, for the access log. An object so
   * that Apollo's shallow per-operation copy of the context shares it.
   */
  operation: { name?: string | null; type?: string };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C `traceparent` the router may forward, or undefined (invalid, version ff, all-zero ids). */
export function validTraceparent(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  if (!value) return undefined;
  const m = TRACEPARENT.exec(value);
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return value;
}

/** `tracestate` is only meaningful beside a valid traceparent; bounded to its spec length. */
export function validTracestate(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value || value.length > 512 || !/^[\x20-\x7e]+$/.test(value)) return undefined;
  return value;
}
