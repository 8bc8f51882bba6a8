import { ulid } from 'ulid';

/** The envelope every event travels in (ARCHITECTURE §3). */
export interface EventEnvelope<P = unknown> {
  /** ULID: unique, time-ordered; consumers deduplicate on it. */
  id: string;
  /** `<domain>.<entity>.<event>`, e.g. `identity.organization.created`. */
  type: string;
  /** Payload schema version of this type. */
  version: number;
  /** ISO-8601 UTC. */
  occurredAt: string;
  /** Tenant organisation the event belongs to (null for platform-wide events). */
  orgId: string | null;
  /** Partition key: events of one aggregate are delivered in order. */
  aggregateId: string;
  /** Service that produced the event. */
  source: string;
  payload: P;
  /** W3C trace context of the request that caused the event. */
  traceparent?: string;
  /** Request id of the request that caused the event. */
  requestId?: string;
}

export function newEventId(): string {
  return ulid();
}

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const TYPE_RE = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;

/**
 * Parses and checks an envelope received from a transport. Throws
 * EnvelopeError naming the first bad field (such a message is dead-lettered
 * at once: retrying cannot fix it).
 */
export function parseEnvelope(raw: string | Buffer): EventEnvelope {
  let v: unknown;
  try {
    v = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw new EnvelopeError(`envelope is not JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new EnvelopeError('envelope is not an object');
  const e = v as Record<string, unknown>;
  if (typeof e.id !== 'string' || !ULID_RE.test(e.id))
    throw new EnvelopeError(`envelope id ${JSON.stringify(e.id)} is not a ULID`);
  if (typeof e.type !== 'string' || !TYPE_RE.test(e.type)) {
    throw new EnvelopeError(`envelope type ${JSON.stringify(e.type)} is not <domain>.<entity>.<event>`);
  }
  if (typeof e.version !== 'number' || !Number.isInteger(e.version) || e.version < 1) {
    throw new EnvelopeError(`envelope version ${JSON.stringify(e.version)} is not a positive integer`);
  }
  if (typeof e.occurredAt !== 'string' || Number.isNaN(Date.parse(e.occurredAt))) {
    throw new EnvelopeError(`envelope occurredAt ${JSON.stringify(e.occurredAt)} is not an ISO date`);
  }
  if (e.orgId !== null && typeof e.orgId !== 'string')
    throw new EnvelopeError('envelope orgId must be a string or null');
  if (typeof e.aggregateId !== 'string' || !e.aggregateId)
    throw new EnvelopeError('envelope aggregateId is missing');
  if (typeof e.source !== 'string') throw new EnvelopeError('envelope source is missing');
  if (!('payload' in e)) throw new EnvelopeError('envelope payload is missing');
  return e as unknown as EventEnvelope;
}
