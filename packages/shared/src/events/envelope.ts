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
