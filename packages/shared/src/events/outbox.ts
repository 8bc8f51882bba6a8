import { defineEntity, p } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/mysql';
import { recordPublishedInvalidations } from '../kernel/cache-invalidations.ts';
import { traceOutboxWrite } from '../telemetry/kernel.ts';
import { EVENT_VERSIONS, type EventType, type PayloadOf, topicOf } from './catalogue.ts';
import { type EventEnvelope, newEventId } from './envelope.ts';

/**
 * Transactional outbox: `publish` persists the event in the caller's
 * transaction, next to the state change it describes, so either both commit or
 * neither does. The relay (relay.ts) later moves rows to the bus.
 *
 * The table (OUTBOX_TABLE_SQL) is unchanged since services first created it:
 * the relay relies on `seq` order and the (published_at, seq) index.
 */
export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    seq: p.bigint().primary().autoincrement(),
    eventId: p.string().length(26).unique(),
    type: p.string().length(120),
    version: p.integer(),
    topic: p.string().length(120),
    aggregateId: p.string().length(120),
    orgId: p.string().length(120).nullable(),
    envelope: p.json<EventEnvelope>(),
    occurredAt: p.datetime().length(3),
    publishedAt: p.datetime().length(3).nullable(),
  },
});

/** SQL to include in a service's migrations to create its outbox. */
export const OUTBOX_TABLE_SQL = `create table if not exists outbox (
  seq bigint unsigned not null auto_increment primary key,
  event_id char(26) not null,
  type varchar(120) not null,
  version int not null,
  topic varchar(120) not null,
  aggregate_id varchar(120) not null,
  org_id varchar(120) null,
  envelope json not null,
  occurred_at datetime(3) not null,
  published_at datetime(3) null,
  unique key outbox_event_id_uq (event_id),
  key outbox_unpublished_idx (published_at, seq)
) default character set utf8mb4 collate utf8mb4_unicode_ci`;

export interface PublishContext {
  source: string;
  requestId?: string;
  traceparent?: string;
}

/** Builds the envelope of a new event (id, version from the catalogue, occurredAt now). */
export function createEnvelope<T extends EventType>(
  ctx: PublishContext,
  type: T,
  event: { aggregateId: string; orgId: string | null; payload: PayloadOf<T> },
): EventEnvelope<PayloadOf<T>> {
  if (!event.aggregateId || event.aggregateId.length > 120) {
    throw new Error(`${type}: aggregateId must be 1-120 characters, got "${event.aggregateId}"`);
  }
  const version = EVENT_VERSIONS[type];
  if (version === undefined) {
    throw new Error(
      `${type}: unknown event type (import its contracts, which register it, before publishing)`,
    );
  }
  return {
    id: newEventId(),
    type,
    version,
    occurredAt: new Date().toISOString(),
    orgId: event.orgId,
    aggregateId: event.aggregateId,
    source: ctx.source,
    payload: event.payload,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
  };
}

/**
 * Records an event in the outbox through `em` (call inside the transaction that
 * makes the change; the row is flushed with it). Returns the envelope. The
 * relay publishes it after the commit (woken at once when it runs in this
 * process, see startOutboxRelay). With cache invalidations on, the rows the
 * service's rules derive from the event go into the same transaction
 * (kernel/cache-invalidations.ts).
 */
export function publish<T extends EventType>(
  em: EntityManager,
  ctx: PublishContext,
  type: T,
  event: { aggregateId: string; orgId: string | null; payload: PayloadOf<T> },
): EventEnvelope<PayloadOf<T>> {
  const envelope = createEnvelope(ctx, type, event);
  // With tracing on, the envelope carries the outbox span's context instead of the request's.
  traceOutboxWrite(envelope, topicOf(type));
  em.create(
    OutboxMessage,
    {
      eventId: envelope.id,
      type,
      version: envelope.version,
      topic: topicOf(type),
      aggregateId: event.aggregateId,
      orgId: event.orgId,
      envelope: envelope as EventEnvelope,
      occurredAt: new Date(envelope.occurredAt),
      publishedAt: null,
    },
    // Always the service database's outbox, also from an EntityManager forked
    // onto a tenant database: tenant rows and their events then commit in one
    // transaction (both databases live on the same server).
    { schema: em.config.get('dbName') },
  );
  // the service's `published` rule: what this event makes stale in the router's cache, same transaction
  recordPublishedInvalidations(em, envelope as EventEnvelope);
  return envelope;
}
