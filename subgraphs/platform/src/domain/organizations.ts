import type { OrganizationKind } from '@tradegraph/shared';
import {
  type EntityManager,
  type Page,
  type ServiceContext,
  supersedes,
  type UnitContext,
} from '@tradegraph/shared';
import { organizationReactivated, organizationSuspended } from '../events/publish.ts';
import {
  countOrganizations,
  findOrganization,
  findOrganizations,
  type OrganizationRecord,
  type OrganizationSearch,
  saveOrganizationFacts,
  saveOrganizationStatus,
  searchOrganizations as searchRows,
} from '../store/organizations.ts';
import { fail } from './errors.ts';

export const REASON_MAX_LENGTH = 500;

/**
 * Applies identity's facts about an organisation (name, kind) unless the
 * stored row already reflects a newer event. Its status is not identity's to
 * say here: the platform decides suspensions.
 */
export async function applyOrganizationFacts(
  em: EntityManager,
  o: { id: string; name: string; kind: OrganizationKind; at: Date },
): Promise<void> {
  const stored = await findOrganization(em, o.id, { forUpdate: true });
  if (!supersedes(stored, o.at)) return;
  await saveOrganizationFacts(em, { id: o.id, name: o.name, kind: o.kind, createdAt: o.at, eventAt: o.at });
}

/**
 * The organisation, letting the platform's projection catch up once when it
 * does not know it yet (an organisation created a moment ago).
 */
export async function knownOrganization(
  ctx: ServiceContext<unknown>,
  id: string,
): Promise<OrganizationRecord | null> {
  const found = await findOrganization(ctx.em, id);
  if (found) return found;
  await ctx.kernel.settle();
  return findOrganization(ctx.em, id);
}

function actorUserId(tx: UnitContext<unknown>): string | null {
  return tx.principal.kind === 'user' ? tx.principal.userId : null;
}

export async function suspendOrganization<S>(
  tx: UnitContext<S>,
  input: { organizationId: string; reason: string },
): Promise<OrganizationRecord> {
  const reason = input.reason.trim();
  if (!reason) fail('REQUIRED', 'Say why the organisation is suspended', 'reason');
  if (reason.length > REASON_MAX_LENGTH) {
    fail('TOO_LONG', `The reason may have at most ${REASON_MAX_LENGTH} characters`, 'reason');
  }
  const org = await findOrganization(tx.em, input.organizationId, { forUpdate: true });
  if (!org) fail('NOT_FOUND', 'No such organisation', 'organizationId');
  if (org.kind === 'PLATFORM')
    fail('FORBIDDEN', 'A platform organisation cannot be suspended', 'organizationId');
  if (org.status === 'SUSPENDED')
    fail('ALREADY_SUSPENDED', 'The organisation is already suspended', 'organizationId');
  const at = new Date();
  await saveOrganizationStatus(tx.em, org.id, 'SUSPENDED', reason, at);
  tx.publish('platform.organization.suspended', {
    aggregateId: org.id,
    orgId: org.id,
    payload: organizationSuspended(org.id, reason, actorUserId(tx), at),
  });
  return { ...org, status: 'SUSPENDED', suspendedReason: reason, suspendedAt: at };
}

export async function reactivateOrganization<S>(
  tx: UnitContext<S>,
  input: { organizationId: string },
): Promise<OrganizationRecord> {
  const org = await findOrganization(tx.em, input.organizationId, { forUpdate: true });
  if (!org) fail('NOT_FOUND', 'No such organisation', 'organizationId');
  if (org.status !== 'SUSPENDED')
    fail('NOT_SUSPENDED', 'The organisation is not suspended', 'organizationId');
  const at = new Date();
  await saveOrganizationStatus(tx.em, org.id, 'ACTIVE', null, null);
  tx.publish('platform.organization.reactivated', {
    aggregateId: org.id,
    orgId: org.id,
    payload: organizationReactivated(org.id, actorUserId(tx), at),
  });
  return { ...org, status: 'ACTIVE', suspendedReason: null, suspendedAt: null };
}

export async function searchOrganizations(
  ctx: ServiceContext<unknown>,
  filter: OrganizationSearch,
  page: Page<[string, string]>,
) {
  const list = await searchRows(ctx.em, filter, page.limit, page.after);
  return { list, total: () => countOrganizations(ctx.em, filter) };
}

/** Organisations by id, batched per request. */
export function organizationById(
  ctx: ServiceContext<unknown>,
  id: string,
): Promise<OrganizationRecord | null> {
  const loader = ctx.loaders.get<string, OrganizationRecord | null>('organizations', async (ids) => {
    const found = new Map((await findOrganizations(ctx.em, ids)).map((o) => [o.id, o]));
    return ids.map((i) => found.get(i) ?? null);
  });
  return loader.load(id);
}
