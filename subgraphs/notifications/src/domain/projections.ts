import { type EntityManager, supersedes } from '@tradegraph/shared';
import {
  type AccountRecord,
  deleteMembership,
  findAccounts,
  findOrganization,
  type OrganizationRecord,
  saveAccount,
  saveMembership,
  saveOrganization,
} from '../store/projections.ts';

/**
 * Who is who, from identity's events: organisations (names for the
 * templates), accounts (emails) and memberships (who hears an organisation's
 * news). Organisation and account rows apply only newer events (`supersedes`);
 * memberships of one organisation arrive in order on its aggregate.
 */

export async function applyOrganization(em: EntityManager, org: OrganizationRecord): Promise<void> {
  if (!supersedes(await findOrganization(em, org.id), org.eventAt)) return;
  await saveOrganization(em, org);
}

export async function applyAccount(
  em: EntityManager,
  account: Pick<AccountRecord, 'id' | 'kind' | 'email' | 'name' | 'eventAt'>,
): Promise<void> {
  const [stored] = await findAccounts(em, [account.id]);
  if (!supersedes(stored, account.eventAt)) return;
  await saveAccount(em, { ...account, email: account.email.toLowerCase() });
}

/**
 * An account's address changed (identity verified the new one): later mail
 * goes there. Events of one user arrive in order after its registration; an
 * account this service never heard of has nothing to update.
 */
export async function applyEmailChange(
  em: EntityManager,
  change: { id: string; email: string; eventAt: Date },
): Promise<void> {
  const [stored] = await findAccounts(em, [change.id]);
  if (!stored || !supersedes(stored, change.eventAt)) return;
  await saveAccount(em, {
    id: stored.id,
    kind: stored.kind,
    name: stored.name,
    email: change.email.toLowerCase(),
    eventAt: change.eventAt,
  });
}

export async function applyMembership(
  em: EntityManager,
  m:
    | { organizationId: string; userId: string; role: string }
    | { organizationId: string; userId: string; removed: true },
): Promise<void> {
  if ('removed' in m) await deleteMembership(em, m.organizationId, m.userId);
  else await saveMembership(em, m);
}
