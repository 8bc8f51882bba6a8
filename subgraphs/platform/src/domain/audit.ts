import { badInput, type EntityManager, type Page, type ServiceContext } from '@tradegraph/shared';
import type { EventEnvelope } from '@tradegraph/shared/events';
import {
  type AuditActorKind,
  type AuditFilter,
  appendAuditEntry,
  countAuditEntries,
  listAuditEntries,
  type NewAuditEntry,
} from '../store/audit.ts';

const ACTOR_KINDS: readonly AuditActorKind[] = ['USER', 'API_KEY', 'CUSTOMER', 'GUEST', 'SYSTEM'];
/** Payload fields that name the user who acted, in the events that carry one. */
const ACTING_USER_FIELDS = [
  'suspendedByUserId',
  'reactivatedByUserId',
  'createdByUserId',
  'invitedByUserId',
] as const;

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * Who caused an event, as far as it tells (pure). The envelope carries the
 * organisation and the request, not the principal, so the actor comes from
 * the payload: an explicit `actor` (orders), a `…ByUserId` field, the user or
 * shopper who registered; otherwise the producing service itself (SYSTEM).
 */
export function actorOf(envelope: EventEnvelope): { kind: AuditActorKind; id: string | null } {
  const p = (envelope.payload ?? {}) as Record<string, unknown>;
  const actor = p.actor as { kind?: unknown; id?: unknown } | undefined;
  if (actor && ACTOR_KINDS.includes(actor.kind as AuditActorKind)) {
    return { kind: actor.kind as AuditActorKind, id: str(actor.id) };
  }
  for (const field of ACTING_USER_FIELDS) {
    const id = str(p[field]);
    if (id) return { kind: 'USER', id };
  }
  if (envelope.type === 'identity.user.registered') return { kind: 'USER', id: str(p.userId) };
  if (envelope.type === 'identity.customer.registered') return { kind: 'CUSTOMER', id: str(p.customerId) };
  return { kind: 'SYSTEM', id: envelope.source };
}

/** The audit entry of an event (pure): who, what, when and which organisation. */
export function auditEntryOf(envelope: EventEnvelope): NewAuditEntry {
  const p = (envelope.payload ?? {}) as Record<string, unknown>;
  const actor = actorOf(envelope);
  return {
    eventId: envelope.id,
    type: envelope.type,
    aggregateId: envelope.aggregateId,
    organizationId: envelope.orgId ?? str(p.organizationId),
    actorKind: actor.kind,
    actorId: actor.id,
    source: envelope.source,
    requestId: envelope.requestId ?? null,
    occurredAt: new Date(envelope.occurredAt),
    payload: JSON.stringify(envelope.payload ?? null),
  };
}

export function recordAuditEntry(em: EntityManager, envelope: EventEnvelope): Promise<void> {
  return appendAuditEntry(em, auditEntryOf(envelope));
}

export async function listAuditTrail(ctx: ServiceContext<unknown>, filter: AuditFilter, page: Page<string>) {
  if (filter.from && filter.to && filter.from >= filter.to)
    throw badInput('from must be before to', 'filter.from');
  const list = await listAuditEntries(ctx.em, filter, page.limit, page.after);
  return { list, total: () => countAuditEntries(ctx.em, filter) };
}
