import type { Organization, User } from '../entities/index.ts';
import type { IdentityContext } from '../services.ts';
import { userLoader } from '../store/accounts.ts';
import { organizationLoader } from '../store/organizations.ts';

/**
 * The row behind a non-null reference field (e.g. `Membership.organization`). Identity keeps
 * references consistent in its transactions (no foreign keys), so a missing row is a bug:
 * an error (masked as INTERNAL), as GraphQL's non-null check gave before, not a null.
 */
async function referenced<T>(row: Promise<T | null>, what: string, id: string): Promise<T> {
  const value = await row;
  if (value === null) throw new Error(`${what} ${id} is referenced but does not exist`);
  return value;
}

export const referencedOrganization = (ctx: IdentityContext, id: string): Promise<Organization> =>
  referenced(organizationLoader(ctx).load(id), 'Organization', id);

export const referencedUser = (ctx: IdentityContext, id: string): Promise<User> =>
  referenced(userLoader(ctx).load(id), 'User', id);
