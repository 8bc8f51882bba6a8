import { randomBytes } from 'node:crypto';
import {
  byKeys,
  failWith,
  newId,
  ORGANIZATION_KINDS,
  type OrganizationKind,
  type PageArgs,
  pageArgs,
  requirePermission,
  toConnection,
} from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import { eventContext, type IdentityContext } from '../context.ts';
import { Organization } from '../entities/index.ts';

export function requireOrganizationKind(
  kind: unknown,
  field = 'kind',
  allowPlatform = false,
): OrganizationKind {
  const allowed: readonly OrganizationKind[] = allowPlatform
    ? ORGANIZATION_KINDS
    : ORGANIZATION_KINDS.filter((k) => k !== 'PLATFORM');
  if (!allowed.includes(kind as OrganizationKind)) {
    failWith('INVALID_KIND', `Organisation kind must be one of ${allowed.join(', ')}`, field);
  }
  return kind as OrganizationKind;
}

function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return base || 'org';
}

/** Creates an organisation with a unique slug and publishes `identity.organization.created` (inside a transaction). */
export async function createOrganization(
  ctx: IdentityContext,
  input: { name: string; kind: OrganizationKind; createdByUserId: string | null },
): Promise<Organization> {
  let slug = slugify(input.name);
  if (await ctx.em.count(Organization, { slug })) slug = `${slug}-${randomBytes(3).toString('hex')}`;
  const now = new Date();
  const org = ctx.em.create(Organization, {
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
  publish(ctx.em, eventContext(ctx), 'identity.organization.created', {
    aggregateId: org.id,
    orgId: org.id,
    payload: {
      organizationId: org.id,
      name: org.name,
      kind: org.kind,
      slug: org.slug,
      createdByUserId: input.createdByUserId,
    },
  });
  return org;
}

/** Batched lookup of organisations by id for this request (public profile fields only are exposed). */
export function organizationLoader(ctx: IdentityContext) {
  return ctx.loaders.get<string, Organization | null>('organizationById', async (ids) => {
    const rows = await ctx.em.find(Organization, { id: { $in: [...ids] } });
    return byKeys(ids, rows, (o) => o.id);
  });
}

/** A visible organisation by id: suspended organisations are hidden from everyone but themselves. */
export async function findOrganization(ctx: IdentityContext, id: string): Promise<Organization | null> {
  if (typeof id !== 'string' || !id.startsWith('org_')) return null;
  const org = await organizationLoader(ctx).load(id);
  if (!org) return null;
  if (org.status !== 'ACTIVE') {
    const own =
      ctx.principal.kind === 'user' || ctx.principal.kind === 'apiKey' ? ctx.principal.organizationId : null;
    const staff = ctx.principal.kind === 'user' && ctx.principal.permissions.includes('platform:admin');
    if (own !== org.id && !staff) return null;
  }
  return org;
}

/** The partner directory: active organisations by kind and name, name-ordered, cursor-paginated. */
export async function listOrganizations(
  ctx: IdentityContext,
  filter: { kind?: OrganizationKind | null; nameContains?: string | null } | null | undefined,
  args: PageArgs,
) {
  const page = pageArgs<[string, string]>(args);
  const where: Record<string, unknown> = { status: 'ACTIVE' };
  if (filter?.kind) where.kind = requireOrganizationKind(filter.kind, 'filter.kind', true);
  if (filter?.nameContains) {
    const term = String(filter.nameContains)
      .slice(0, 100)
      .replace(/[\\%_]/g, (c) => `\\${c}`);
    where.name = { $like: `%${term}%` };
  }
  const cursorWhere = page.after
    ? { $or: [{ name: { $gt: page.after[0] } }, { name: page.after[0], id: { $gt: page.after[1] } }] }
    : {};
  const rows = await ctx.em.find(
    Organization,
    { ...where, ...cursorWhere },
    { orderBy: { name: 'asc', id: 'asc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (o) => [o.name, o.id] as [string, string],
    () => ctx.em.count(Organization, where),
  );
}

/** Updates the acting organisation's public profile. */
export async function updateOrganization(
  ctx: IdentityContext,
  input: {
    name?: string | null;
    description?: string | null;
    website?: string | null;
    country?: string | null;
  },
): Promise<Organization> {
  const { organizationId } = requirePermission(ctx.principal, 'org:manage');
  const org = await ctx.em.findOneOrFail(Organization, { id: organizationId });
  if (input.name != null) {
    const name = input.name.trim();
    if (!name || name.length > 200) failWith('INVALID_NAME', 'Name must be 1 to 200 characters', 'name');
    org.name = name;
  }
  if (input.description !== undefined) {
    if (input.description && input.description.length > 5000)
      failWith('TOO_LONG', 'Description is too long', 'description');
    org.description = input.description;
  }
  if (input.website !== undefined) {
    if (input.website && !/^https?:\/\/[^\s]{1,490}$/.test(input.website))
      failWith('INVALID_URL', 'Website must be an http(s) URL', 'website');
    org.website = input.website;
  }
  if (input.country !== undefined) {
    if (input.country && !/^[A-Z]{2}$/.test(input.country))
      failWith('INVALID_COUNTRY', 'Country must be an ISO 3166-1 alpha-2 code', 'country');
    org.country = input.country;
  }
  org.updatedAt = new Date();
  publish(ctx.em, eventContext(ctx), 'identity.organization.updated', {
    aggregateId: org.id,
    orgId: org.id,
    payload: { organizationId: org.id, name: org.name, kind: org.kind, status: org.status },
  });
  return org;
}
