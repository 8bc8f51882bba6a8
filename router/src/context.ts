import { randomUUID } from 'node:crypto';
import type { Logger, Principal } from '@tradegraph/shared';
import type { AuthorizationResult } from './authorization.ts';
import type { TakeResult } from './rate-limit.ts';

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
  /** The caller's address for per-IP limits (the socket's, or X-Forwarded-For behind trusted proxies). */
  clientIp: string;
  /** What the protections decided for this request (filled in by protection.ts). */
  protection: {
    rateLimits: TakeResult[];
    cost?: number;
    authorization?: AuthorizationResult;
  };
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

/**
 * The client's IP: the socket's peer, or — behind `trustedProxyHops` proxies
 * that append to X-Forwarded-For — the address the outermost trusted proxy saw.
 * Entries a client wrote itself sit further left and are never used.
 */
export function clientIpOf(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxyHops: number,
): string {
  const peer = socketAddress ?? 'unknown';
  if (trustedProxyHops <= 0 || !forwardedFor) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return hops[hops.length - trustedProxyHops] ?? hops[0] ?? peer;
}
