/** Subscription settings (docs/subscriptions.md), read from the router's environment. */
export interface SubscriptionSettings {
  /** ROUTER_SUBSCRIPTIONS: serve subscriptions at all. */
  enabled: boolean;
  /** Live subscriptions one WebSocket (or SSE stream) may hold. */
  perConnection: number;
  /** Live subscriptions one organisation (else user, customer or client address) may hold on this router. */
  perOrganization: number;
  /** Time a WebSocket has to send `connection_init`. */
  initTimeoutMs: number;
  /** WebSocket ping interval (and SSE keep-alive comment interval). */
  keepAliveMs: number;
  /** Undelivered events one subscription may hold; beyond it the client is dropped (4008). */
  clientQueue: number;
  /** Bytes a WebSocket may have unsent before it is dropped as a slow consumer (4008). */
  maxBufferedBytes: number;
  /** How long a lost upstream is retried before its subscribers end with SUBGRAPH_UNAVAILABLE. */
  upstreamRetryMs: number;
  upstreamBackoffMaxMs: number;
}

function int(source: Record<string, string | undefined>, name: string, fallback: number, min = 0): number {
  const raw = source[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min} (got "${raw}")`);
  return n;
}

export function loadSubscriptionSettings(source: Record<string, string | undefined>): SubscriptionSettings {
  return {
    enabled: (source.ROUTER_SUBSCRIPTIONS ?? 'true') !== 'false',
    perConnection: int(source, 'ROUTER_SUBSCRIPTIONS_PER_CONNECTION', 100, 1),
    perOrganization: int(source, 'ROUTER_SUBSCRIPTIONS_PER_ORGANIZATION', 10_000, 1),
    initTimeoutMs: int(source, 'ROUTER_SUBSCRIPTION_INIT_TIMEOUT_MS', 5_000, 1),
    keepAliveMs: int(source, 'ROUTER_SUBSCRIPTION_KEEPALIVE_MS', 15_000, 1),
    clientQueue: int(source, 'ROUTER_SUBSCRIPTION_CLIENT_QUEUE', 100, 1),
    maxBufferedBytes: int(source, 'ROUTER_SUBSCRIPTION_MAX_BUFFERED_BYTES', 1_048_576, 1),
    upstreamRetryMs: int(source, 'ROUTER_SUBSCRIPTION_UPSTREAM_RETRY_MS', 60_000, 0),
    upstreamBackoffMaxMs: int(source, 'ROUTER_SUBSCRIPTION_UPSTREAM_BACKOFF_MAX_MS', 5_000, 1),
  };
}
