import type { RequiredEntityData } from '@mikro-orm/core';
import {
  byKeys,
  type OrganizationKind,
  type PageArgs,
  pageArgs,
  placeholders,
  toConnection,
} from '@tradegraph/shared';
import { Organization } from '../entities/index.ts';
import type { IdentityContext, IdentityTx } from '../services.ts';

/** Organisations (ORM). */

export type OrganizationValues = RequiredEntityData<Organization>;

export async function slugTaken(tx: IdentityTx, slug: string): Promise<boolean> {
  return (await tx.em.count(Organization, { slug })) > 0;
}

export function insertOrganization(tx: IdentityTx, values: OrganizationValues): Organization {
  return tx.em.create(Organization, values);
}

/** The organisation (managed by the transaction); null when it does not exist. */
export function organizationById(tx: IdentityTx, id: string): Promise<Organization | null> {
  return tx.em.findOne(Organization, { id });
}

/**
 * Batched lookup of organisations by id for this request (every entity
 * reference to an Organization, e.g. a storefront page's brands). The rows are
 * read with plain SQL and mapped into the request's EntityManager: the same
 * managed entities `em.find` gives, without building a query per batch
 * (`em.find`'s query builder was a third of identity's CPU per storefront page).
 */
export function organizationLoader(ctx: IdentityContext) {
  return ctx.loaders.get<string, Organization | null>('organizationById', async (ids) => {
    const rows = await ctx.em.execute<Record<string, unknown>[]>(
      `select * from organizations where id in (${placeholders(ids.length)})`,
      [...ids],
    );
    return byKeys(
      ids,
      rows.map((r) => ctx.em.map(Organization, r)),
      (o) => o.id,
    );
  });
}

/** Active organisations by kind and name (a contains match), name-ordered, cursor-paginated. */
export async function listActiveOrganizations(
  ctx: IdentityContext,
  filter: { kind: OrganizationKind | null; nameContains: string | null },
  args: PageArgs,
) {
  const page = pageArgs<[string, string]>(args);
  const where: Record<string, unknown> = { status: 'ACTIVE' };
  if (filter.kind) where.kind = filter.kind;
  if (filter.nameContains) {
    const term = filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`);
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
