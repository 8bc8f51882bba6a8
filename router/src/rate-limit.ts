import type { Logger, Principal } from '@tradegraph/shared';
import type { Redis } from 'ioredis';

/**
 * Token buckets. A bucket holds at most `quota` tokens and refills at
 * `quota / windowSeconds` tokens per second, so an idle client may spend a
 * whole quota at once and then `quota` per window. Units are cost points: a
 * request spends max(1, its estimated cost).
 */
export interface Quota {
  quota: number;
  windowSeconds: number;
}

/** A bucket to spend from: its name in the policy headers, its storage key, its quota. */
export interface BucketClaim {
  policy: string;
  key: string;
  quota: Quota;
  tokens: number;
}

export interface BucketState {
  policy: string;
  quota: Quota;
  /** Tokens left after this request (or before it, when refused). */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Seconds until the refused request would fit (0 when allowed). */
  retryAfterSeconds: number;
  buckets: BucketState[];
}

/** Where buckets live. `take` spends from every claim or from none (atomically). */
export interface BucketStore {
  take(claims: BucketClaim[]): Promise<TakeResult>;
}

const rateOf = (q: Quota) => q.quota / q.windowSeconds;

/** The spend of one claim given the bucket's tokens before it; shared by both stores' arithmetic. */
function settle(claims: BucketClaim[], before: number[]): TakeResult & { after: number[] } {
  let allowed = true;
  let retry = 0;
  claims.forEach((c, i) => {
    const want = Math.min(c.tokens, c.quota.quota);
    if (before[i]! < want) {
      allowed = false;
      retry = Math.max(retry, (want - before[i]!) / rateOf(c.quota));
    }
  });
  const after = claims.map((c, i) => (allowed ? before[i]! - Math.min(c.tokens, c.quota.quota) : before[i]!));
  return {
    allowed,
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(retry)),
    after,
    buckets: claims.map((c, i) => ({
      policy: c.policy,
      quota: c.quota,
      remaining: Math.max(0, Math.floor(after[i]!)),
      resetSeconds: Math.ceil((c.quota.quota - after[i]!) / rateOf(c.quota)),
    })),
  };
}

/** Buckets in this process: exact, no I/O; bounded (least recently used dropped first). */
export function memoryBucketStore(opts: { maxEntries?: number; now?: () => number } = {}): BucketStore {
  const max = opts.maxEntries ?? 100_000;
  const now = opts.now ?? (() => performance.timeOrigin + performance.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(claims) {
      const t = now();
      const before = claims.map((c) => {
        const b = buckets.get(c.key);
        if (!b) return c.quota.quota;
        return Math.min(c.quota.quota, b.tokens + ((t - b.at) / 1000) * rateOf(c.quota));
      });
      const result = settle(claims, before);
      claims.forEach((c, i) => {
        buckets.delete(c.key);
        buckets.set(c.key, { tokens: result.after[i]!, at: t });
      });
      while (buckets.size > max) buckets.delete(buckets.keys().next().value!);
      return result;
    },
  };
}

/**
 * One round trip, atomic across every claimed bucket, on Redis's clock (so
 * routers with skewed clocks agree). Returns the tokens of each bucket before
 * the spend; the arithmetic that decides is settle(), shared with the memory store.
 * Buckets expire once they would be full again.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local before = {}
local allowed = true
for i = 1, #KEYS do
  local quota = tonumber(ARGV[i * 3 - 2])
  local rate = tonumber(ARGV[i * 3 - 1]) / 1000
  local want = math.min(tonumber(ARGV[i * 3]), quota)
  local v = redis.call('HMGET', KEYS[i], 't', 'at')
  local tokens = quota
  if v[1] then tokens = math.min(quota, tonumber(v[1]) + (now - tonumber(v[2])) * rate) end
  before[i] = tokens
  if tokens < want then allowed = false end
end
for i = 1, #KEYS do
  local quota = tonumber(ARGV[i * 3 - 2])
  local rate = tonumber(ARGV[i * 3 - 1]) / 1000
  local left = before[i]
  if allowed then left = left - math.min(tonumber(ARGV[i * 3]), quota) end
  redis.call('HSET', KEYS[i], 't', tostring(left), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((quota - left) / rate) + 1000)
  before[i] = tostring(before[i])
end
return before
`;

type RedisWithTake = Redis & {
  rateLimitTake(numKeys: number, ...args: (string | number)[]): Promise<string[]>;
};

export function redisBucketStore(redis: Redis, prefix: string): BucketStore {
  const client = redis as RedisWithTake;
  if (typeof client.rateLimitTake !== 'function') redis.defineCommand('rateLimitTake', { lua: TAKE_SCRIPT });
  return {
    async take(claims) {
      const args: (string | number)[] = claims.map((c) => `${prefix}rl:${c.key}`);
      for (const c of claims) args.push(c.quota.quota, rateOf(c.quota), c.tokens);
      const before = (await client.rateLimitTake(claims.length, ...args)).map(Number);
      return settle(claims, before);
    },
  };
}

/**
 * Redis when it answers, else this process's buckets: an outage neither stops
 * the router nor lets traffic through unlimited. Logged once per outage.
 */
export function fallbackBucketStore(
  primary: BucketStore,
  fallback: BucketStore,
  logger: Logger,
): BucketStore {
  let degraded = false;
  return {
    async take(claims) {
      try {
        const result = await primary.take(claims);
        if (degraded) {
          degraded = false;
          logger.info('rate limiter: Redis reachable again, buckets shared again');
        }
        return result;
      } catch (err) {
        if (!degraded) {
          degraded = true;
          logger.error(
            { err: (err as Error).message },
            'rate limiter: Redis unavailable, using in-process buckets until it is back',
          );
        }
        return fallback.take(claims);
      }
    },
  };
}

export interface RateLimitSettings {
  anonymous: Quota;
  organization: Quota;
  apiKey: Quota;
  /** Caller without an organisation (a customer, a user acting for none). */
  user: Quota;
  /** Stricter per-IP quotas by mutation field name (signUp, login…), in requests. */
  fields: Record<string, Quota>;
}

/**
 * Per-organisation quotas, e.g. from the platform plan once plans exist.
 * Undefined means the default; the result is used as is (cache it if it is slow).
 */
export type OrganizationQuotaLookup = (
  organizationId: string,
) => Quota | undefined | Promise<Quota | undefined>;

export interface RateLimiter {
  /** The base spend of any request (1 point), before it is parsed. */
  admit(principal: Principal, ip: string): Promise<TakeResult>;
  /** The rest of the operation's cost, plus the per-IP buckets of sensitive mutation fields. */
  charge(principal: Principal, ip: string, cost: number, mutationFields: string[]): Promise<TakeResult>;
}

/** The caller's own bucket(s): per IP when anonymous, per organisation, per API key. */
async function callerClaims(
  settings: RateLimitSettings,
  lookup: OrganizationQuotaLookup | undefined,
  principal: Principal,
  ip: string,
  tokens: number,
): Promise<BucketClaim[]> {
  switch (principal.kind) {
    case 'apiKey': {
      const org = (await lookup?.(principal.organizationId)) ?? settings.organization;
      return [
        { policy: 'api-key', key: `key:${principal.apiKeyId}`, quota: settings.apiKey, tokens },
        { policy: 'organization', key: `org:${principal.organizationId}`, quota: org, tokens },
      ];
    }
    case 'user':
      if (principal.organizationId) {
        const org = (await lookup?.(principal.organizationId)) ?? settings.organization;
        return [{ policy: 'organization', key: `org:${principal.organizationId}`, quota: org, tokens }];
      }
      return [{ policy: 'user', key: `usr:${principal.userId}`, quota: settings.user, tokens }];
    case 'customer':
      return [{ policy: 'user', key: `usr:${principal.customerId}`, quota: settings.user, tokens }];
    default:
      return [{ policy: 'anonymous', key: `ip:${ip}`, quota: settings.anonymous, tokens }];
  }
}

export function createRateLimiter(
  store: BucketStore,
  settings: RateLimitSettings,
  lookup?: OrganizationQuotaLookup,
): RateLimiter {
  return {
    async admit(principal, ip) {
      return store.take(await callerClaims(settings, lookup, principal, ip, 1));
    },
    async charge(principal, ip, cost, mutationFields) {
      const claims = cost > 1 ? await callerClaims(settings, lookup, principal, ip, cost - 1) : [];
      for (const field of new Set(mutationFields)) {
        const quota = settings.fields[field];
        if (quota) claims.push({ policy: field, key: `ip:${ip}:${field}`, quota, tokens: 1 });
      }
      if (claims.length === 0) return { allowed: true, retryAfterSeconds: 0, buckets: [] };
      return store.take(claims);
    },
  };
}

/**
 * The headers of draft-ietf-httpapi-ratelimit-headers: every policy that
 * applied (quota `q` in cost points, window `w` in seconds) and, for the
 * tightest bucket, what remains (`r`) and when it is full again (`t`).
 */
export function rateLimitHeaders(results: TakeResult[]): [string, string][] {
  const latest = new Map<string, BucketState>();
  for (const r of results) for (const b of r.buckets) latest.set(b.policy, b);
  if (latest.size === 0) return [];
  const all = [...latest.values()];
  const tightest = all.reduce((a, b) => (b.remaining / b.quota.quota < a.remaining / a.quota.quota ? b : a));
  return [
    [
      'ratelimit-policy',
      all.map((b) => `"${b.policy}";q=${b.quota.quota};w=${b.quota.windowSeconds}`).join(', '),
    ],
    ['ratelimit', `"${tightest.policy}";r=${tightest.remaining};t=${tightest.resetSeconds}`],
  ];
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `300/1m` → 300 per minute. */
export function parseQuota(text: string): Quota {
  const m = /^\s*(\d+)\s*\/\s*(\d*)\s*([smhd])\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a quota like 300/1m (units s, m, h, d)`);
  const quota = Number(m[1]);
  const windowSeconds = Number(m[2] || '1') * UNITS[m[3]!]!;
  if (quota < 1 || windowSeconds < 1) throw new Error(`"${text}": quota and window must be at least 1`);
  return { quota, windowSeconds };
}

/** `signUp=10/1h,login=20/10m` → per-field quotas. */
export function parseFieldQuotas(text: string): Record<string, Quota> {
  const out: Record<string, Quota> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [field, quota] = part.split('=');
    if (!field || !quota || !/^[_A-Za-z][_0-9A-Za-z]*$/.test(field.trim())) {
      throw new Error(`"${part}" is not field=quota (e.g. login=20/10m)`);
    }
    out[field.trim()] = parseQuota(quota);
  }
  return out;
}
