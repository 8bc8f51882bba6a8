import { badInput, type PageArgs, pageArgs, parseId, registryOf, toConnection } from '@tradegraph/shared';
import type { ProductStatus } from '../entities/index.ts';
import type { CatalogContext } from '../services.ts';
import {
  type Cursor,
  categoriesPage,
  categoryLoader,
  countCategories,
  countProducts,
  productQuery,
  productsPage,
  type SortField,
  tenantsOfBrands,
} from '../store/reads.ts';
import { brandIsPublic, publicBrandIds } from '../store/visibility.ts';
import { isShopper, levelsFor, partnerBrandIds, viewerOf } from './access.ts';
import type { AccessLevel, CategoryNode, ProductNode } from './nodes.ts';

/**
 * Browsing: which brands a list reads, at which access level, and how pages
 * of several brands merge. Lookups by id are the store's loaders (one query
 * per brand, the visibility rule in its WHERE).
 */

/** Whether the viewer may browse the brand's categories: its own members, partners, or shoppers once the brand is publicly listed. */
async function mayBrowseBrand(ctx: CatalogContext, brandId: string): Promise<AccessLevel | null> {
  const level = (await levelsFor(ctx, [brandId])).get(brandId) ?? null;
  if (level !== 'PUBLIC') return level;
  return (await brandIsPublic(ctx, brandId)) ? 'PUBLIC' : null;
}

export async function findCategory(ctx: CatalogContext, id: string): Promise<CategoryNode | null> {
  const parsed = parseId(id, 'cat');
  if (!parsed?.tenantKey) return null;
  const category = await categoryLoader(ctx).load(id);
  if (!category) return null;
  return (await mayBrowseBrand(ctx, category.brandId)) ? category : null;
}

/** A brand's categories in tree order (by path), or the children of `parentId`. */
export async function listCategories(
  ctx: CatalogContext,
  args: PageArgs & { brandId?: string | null; parentId?: string | null },
) {
  const page = pageArgs<string>(args, { max: 500, default: 100 });
  if (page.after !== null && typeof page.after !== 'string')
    throw badInput('after is not a valid cursor', 'after');
  const viewer = viewerOf(ctx);
  const brandId = args.brandId ?? (viewer.organizationKind === 'BRAND' ? viewer.organizationId : null);
  const empty = toConnection<CategoryNode, string>([], page, (c) => c.path, 0);
  if (!brandId) return empty;
  const [tenant] = await tenantsOfBrands(ctx, [brandId]);
  if (!tenant) return empty;
  const level = await mayBrowseBrand(ctx, brandId);
  if (!level) return empty;
  const parentId = args.parentId ?? null;
  if (parentId !== null && parseId(parentId, 'cat')?.tenantKey !== tenant.tenantKey) return empty;
  const rows = await categoriesPage(ctx, tenant, level, { parentId, after: page.after, limit: page.limit });
  return toConnection(
    rows,
    page,
    (c) => c.path,
    () => countCategories(ctx, tenant, parentId),
  );
}

// products(filter, sort, first, after): one query per brand in scope, merged.

export const SORT_FIELDS: readonly SortField[] = ['NAME', 'CREATED_AT', 'UPDATED_AT'];

export interface ProductFilter {
  search?: string | null;
  categoryId?: string | null;
  status?: ProductStatus | null;
  brandId?: string | null;
  brandIds?: string[] | null;
}
export interface ProductSort {
  field?: SortField | null;
  direction?: 'ASC' | 'DESC' | null;
}

function sortValue(field: SortField, p: ProductNode): string {
  if (field === 'NAME') return p.sortName;
  return (field === 'CREATED_AT' ? p.createdAt : p.updatedAt).toISOString();
}

/** The merge order, identical to the databases' (binary collation for names and ids, instants for dates). */
function comparator(field: SortField, desc: boolean) {
  return (a: ProductNode, b: ProductNode) => {
    let c: number;
    if (field === 'NAME') c = Buffer.compare(Buffer.from(a.sortName), Buffer.from(b.sortName));
    else c = new Date(sortValue(field, a)).getTime() - new Date(sortValue(field, b)).getTime();
    if (c === 0) c = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return desc ? -c : c;
  };
}

/** The brands a `products` query reads, bounded by CATALOG_MAX_BRANDS_PER_QUERY. */
async function brandsInScope(ctx: CatalogContext, filter: ProductFilter, scopeBrandId?: string) {
  const max = ctx.services.config.CATALOG_MAX_BRANDS_PER_QUERY;
  let ids: string[];
  const categoryKey = filter.categoryId ? parseId(filter.categoryId, 'cat')?.tenantKey : null;
  if (scopeBrandId) ids = [scopeBrandId];
  else if (filter.brandId || filter.brandIds?.length) {
    ids = [...new Set([...(filter.brandId ? [filter.brandId] : []), ...(filter.brandIds ?? [])])];
  } else if (categoryKey) {
    // a category belongs to one brand: that brand is the scope
    const tenant = (await registryOf(ctx).byKeys([categoryKey])).get(categoryKey);
    ids = tenant ? [tenant.organizationId] : [];
  } else {
    const viewer = viewerOf(ctx);
    if (viewer.canRead && viewer.organizationKind === 'BRAND' && viewer.organizationId)
      ids = [viewer.organizationId];
    else if (isShopper(viewer)) ids = await publicBrandIds(ctx, max + 1);
    else ids = [...(await partnerBrandIds(ctx))].sort();
  }
  ids = ids.filter((id) => typeof id === 'string' && parseId(id, 'org') !== null);
  if (ids.length > max) {
    throw badInput(
      `This query would read more than ${max} brands' catalogs: narrow it with filter.brandIds`,
      'filter.brandIds',
    );
  }
  return ids;
}

export async function listProducts(
  ctx: CatalogContext,
  filter: ProductFilter | null | undefined,
  sort: ProductSort | null | undefined,
  args: PageArgs,
  scopeBrandId?: string,
) {
  const f = filter ?? {};
  const field: SortField = sort?.field ?? 'NAME';
  if (!SORT_FIELDS.includes(field)) throw badInput('Unknown sort field', 'sort.field');
  const desc = sort?.direction === 'DESC';
  const page = pageArgs<Cursor>(args);
  if (
    page.after !== null &&
    !(Array.isArray(page.after) && page.after.length === 2 && page.after.every((x) => typeof x === 'string'))
  ) {
    throw badInput('after is not a valid cursor', 'after');
  }
  if (page.after && field !== 'NAME' && Number.isNaN(Date.parse(page.after[0])))
    throw badInput('after is not a cursor of this sort', 'after');
  const search = typeof f.search === 'string' ? f.search.trim().slice(0, 200) : '';
  const keyOf = (p: ProductNode): Cursor => [sortValue(field, p), p.id];

  let tenants = await tenantsOfBrands(ctx, await brandsInScope(ctx, f, scopeBrandId));
  let category: { key: string; id: string } | null = null;
  if (f.categoryId) {
    const parsed = parseId(f.categoryId, 'cat');
    if (!parsed?.tenantKey) tenants = [];
    else {
      category = { key: parsed.tenantKey, id: f.categoryId };
      tenants = tenants.filter((t) => t.tenantKey === parsed.tenantKey);
    }
  }
  const levels = await levelsFor(
    ctx,
    tenants.map((t) => t.organizationId),
  );

  const queries = tenants.flatMap((tenant) => {
    const level = levels.get(tenant.organizationId);
    if (!level) return [];
    // only the brand itself sees other statuses than ACTIVE
    if (level !== 'OWNER' && f.status && f.status !== 'ACTIVE') return [];
    return [
      productQuery(ctx, tenant, level, {
        status: level === 'OWNER' ? (f.status ?? null) : null,
        categoryId: category?.id ?? null,
        search,
      }),
    ];
  });

  const rows = (
    await Promise.all(queries.map((q) => productsPage(ctx, q, { field, desc }, page.after, page.limit)))
  )
    .flat()
    .sort(comparator(field, desc))
    .slice(0, page.limit);

  return toConnection(rows, page, keyOf, async () => {
    const counts = await Promise.all(queries.map((q) => countProducts(ctx, q)));
    return counts.reduce((a, b) => a + b, 0);
  });
}
