import { randomBytes } from 'node:crypto';
import { newId, ORGANIZATION_KINDS, type OrganizationKind, type Principal } from '@tradegraph/shared';
import type { Organization } from '../entities/index.ts';
import { organizationCreated, organizationUpdated } from '../events/publish.ts';
import type { IdentityContext, IdentityTx } from '../services.ts';
import {
  insertOrganization,
  organizationById,
  organizationLoader,
  slugTaken,
} from '../store/organizations.ts';
import { requireCurrentMember } from './access.ts';
import { fail } from './errors.ts';

export function requireOrganizationKind(
  kind: unknown,
  field = 'kind',
  allowPlatform = false,
): OrganizationKind {
  const allowed: readonly OrganizationKind[] = allowPlatform
    ? ORGANIZATION_KINDS
    : ORGANIZATION_KINDS.filter((k) => k !== 'PLATFORM');
  if (!allowed.includes(kind as OrganizationKind)) {
    fail('INVALID_KIND', `Organisation kind must be one of ${allowed.join(', ')}`, field);
  }
  return kind as OrganizationKind;
}

/** The URL-safe base of an organisation's slug: ASCII, lower case, dashes, at most 60 characters. */
export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return base || 'org';
}

/** Creates an organisation with a unique slug and publishes `identity.organization.created`. */
export async function createOrganization(
  tx: IdentityTx,
  input: { name: string; kind: OrganizationKind; createdByUserId: string | null },
): Promise<Organization> {
  let slug = slugify(input.name);
  if (await slugTaken(tx, slug)) slug = `${slug}-${randomBytes(3).toString('hex')}`;
  const now = new Date();
  const org = insertOrganization(tx, {
    id: newId('org'),
    name: input.name,
    slug,
    kind: input.kind,
    status: 'ACTIVE',
    description: null,
    website: null,
    country: null,
    createdAt: now,
    updatedAt: now,
  });
  tx.publish('identity.organization.created', {
    aggregateId: org.id,
    orgId: org.id,
    payload: organizationCreated(org, input.createdByUserId),
  });
  return org;
}

/** Whether the principal may see a suspended organisation: its own members and keys, and platform staff. */
export function seesSuspended(principal: Principal, organizationId: string): boolean {
  const own = principal.kind === 'user' || principal.kind === 'apiKey' ? principal.organizationId : null;
  const staff = principal.kind === 'user' && principal.permissions.includes('platform:admin');
  return own === organizationId || staff;
}

/** A visible organisation by id: suspended organisations are hidden from everyone but themselves. */
export async function findOrganization(ctx: IdentityContext, id: string): Promise<Organization | null> {
  if (typeof id !== 'string' || !id.startsWith('org_')) return null;
  const org = await organizationLoader(ctx).load(id);
  if (!org) return null;
  if (org.status !== 'ACTIVE' && !seesSuspended(ctx.principal, org.id)) return null;
  return org;
}

/** The partner directory's filter, checked: a known kind, a search term of at most 100 characters. */
export function directoryFilter(
  filter: { kind?: OrganizationKind | null; nameContains?: string | null } | null | undefined,
): { kind: OrganizationKind | null; nameContains: string | null } {
  return {
    kind: filter?.kind ? requireOrganizationKind(filter.kind, 'filter.kind', true) : null,
    nameContains: filter?.nameContains ? String(filter.nameContains).slice(0, 100) : null,
  };
}

/** Updates the acting organisation's public profile. */
export async function updateOrganization(
  tx: IdentityTx,
  input: {
    name?: string | null;
    description?: string | null;
    website?: string | null;
    country?: string | null;
  },
): Promise<Organization> {
  const { organizationId } = await requireCurrentMember(tx, 'org:manage');
  const org = await organizationById(tx, organizationId);
  if (!org) throw new Error(`acting organisation ${organizationId} does not exist`);
  if (input.name != null) {
    const name = input.name.trim();
    if (!name || name.length > 200) fail('INVALID_NAME', 'Name must be 1 to 200 characters', 'name');
    org.name = name;
  }
  if (input.description !== undefined) {
    if (input.description && input.description.length > 5000)
      fail('TOO_LONG', 'Description is too long', 'description');
    org.description = input.description;
  }
  if (input.website !== undefined) {
    if (input.website && !/^https?:\/\/[^\s]{1,490}$/.test(input.website))
      fail('INVALID_URL', 'Website must be an http(s) URL', 'website');
    org.website = input.website;
  }
  if (input.country !== undefined) {
    if (input.country && !/^[A-Z]{2}$/.test(input.country))
      fail('INVALID_COUNTRY', 'Country must be an ISO 3166-1 alpha-2 code', 'country');
    org.country = input.country;
  }
  org.updatedAt = new Date();
  tx.publish('identity.organization.updated', {
    aggregateId: org.id,
    orgId: org.id,
    payload: organizationUpdated(org),
  });
  return org;
}
