import {
  badInput,
  groupByKeys,
  groupIdsByTenant,
  onTenant,
  type PageArgs,
  pageArgs,
  parseId,
  placeholders,
  quoteDb,
  registryOf,
  type TenantInfo,
  tenantKeyOf,
  toConnection,
} from '@tradegraph/shared';
import { isShopper, levelsFor, partnerBrandIds, viewerOf } from '../domain/access.ts';
import type { AccessLevel, CategoryNode, ProductNode, VariantNode } from '../domain/nodes.ts';
import type { ProductStatus } from '../entities/index.ts';
import type { CatalogContext } from '../services.ts';
import { categoryFromRow, productFromRow, type Row, sqlDate, variantFromRow } from './rows.ts';
import { brandIsPublic, publicBrandIds, publicVariantSql } from './visibility.ts';

/**
 * Reads. Every lookup by id goes through a per-request DataLoader that groups
 * the ids by the tenant key embedded in them, resolves the tenants in one
 * registry lookup (unknown key → null without touching any database) and runs
 * one query per brand database, with the viewer's visibility rule in that
 * query's WHERE. So a page of 50 references from 3 brands costs 3 queries
 * (plus at most one for the viewer's partner brands), whatever the page size.
 */

/** The request's EntityManager on a brand database (one fork per brand per request). */
const tenantEm = (ctx: CatalogContext, tenant: TenantInfo) => onTenant(ctx, tenant).em;
const qname = quoteDb;
const marks = placeholders;

/** Brands by organisation id (unknown brands are left out), in one registry lookup. */
async function tenantsOfBrands(ctx: CatalogContext, brandIds: readonly string[]): Promise<TenantInfo[]> {
  const tenants = await registryOf(ctx).byKeys(brandIds.map((b) => tenantKeyOf(b)));
  const out: TenantInfo[] = [];
  for (const b of new Set(brandIds)) {
    const t = tenants.get(tenantKeyOf(b));
    if (t && t.organizationId === b && t.kind === 'BRAND') out.push(t);
  }
  return out;
}

/** Groups loader keys (ids) per brand database and attaches the viewer's level to each brand. */
async function perTenant(ctx: CatalogContext, ids: readonly string[], prefix: string) {
  const groups = await groupIdsByTenant(ctx, ids, prefix, ['BRAND']);
  const levels = await levelsFor(
    ctx,
    groups.map((g) => g.tenant.organizationId),
  );
  // brands the viewer may not see at all are not queried
  return groups.flatMap((g) => {
    const level = levels.get(g.tenant.organizationId);
    return level ? [{ ...g, level }] : [];
  });
}

function productVisibility(ctx: CatalogContext, tenant: TenantInfo, level: AccessLevel, alias = 'p') {
  if (level === 'OWNER') return { sql: '', params: [] as unknown[] };
  if (level === 'PARTNER') return { sql: ` and ${alias}.status = 'ACTIVE'`, params: [] as unknown[] };
  const t = qname(tenant.dbName);
  return {
    sql: ` and ${alias}.status = 'ACTIVE' and exists (select 1 from ${t}.variants pv
      where pv.product_id = ${alias}.id and pv.archived_at is null and ${publicVariantSql(ctx.kernel.serviceDb, 'pv')})`,
    params: [tenant.organizationId] as unknown[],
  };
}

export function productLoader(ctx: CatalogContext) {
  return ctx.loaders.get<string, ProductNode | null>('productById', async (ids) => {
    const found = new Map<string, ProductNode>();
    await Promise.all(
      (await perTenant(ctx, ids, 'prd')).map(async ({ tenant, ids: own, level }) => {
        const vis = productVisibility(ctx, tenant, level);
        const rows = await tenantEm(ctx, tenant).execute<Row[]>(
          `select p.* from ${qname(tenant.dbName)}.products p where p.id in (${marks(own.length)})${vis.sql}`,
          [...own, ...vis.params],
        );
        for (const r of rows) found.set(String(r.id), productFromRow(r, tenant.organizationId, level));
      }),
    );
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** Variant visibility: OWNER all; PARTNER variants of ACTIVE products (archived ones too, for history); PUBLIC live, publicly listed variants of ACTIVE products. */
function variantVisibility(ctx: CatalogContext, tenant: TenantInfo, level: AccessLevel) {
  if (level === 'OWNER') return { sql: '', params: [] as unknown[] };
  if (level === 'PARTNER') return { sql: ` and p.status = 'ACTIVE'`, params: [] as unknown[] };
  return {
    sql: ` and p.status = 'ACTIVE' and v.archived_at is null and ${publicVariantSql(ctx.kernel.serviceDb, 'v')}`,
    params: [tenant.organizationId] as unknown[],
  };
}

/** Product columns read beside each variant (prefixed `p__`), see variantLoader. */
const PRODUCT_COLUMNS = [
  'name',
  'sort_name',
  'description',
  'status',
  'category_id',
  'options',
  'attributes',
  'media',
  'created_at',
  'updated_at',
  'published_at',
  'archived_at',
] as const;
const PRODUCT_OF_VARIANT_SQL = PRODUCT_COLUMNS.map((c) => `p.${c} as p__${c}`).join(', ');

function productOfVariantRow(r: Row): Row {
  const product: Row = { id: r.product_id };
  for (const c of PRODUCT_COLUMNS) product[c] = r[`p__${c}`];
  return product;
}

/**
 * Variants by id. The same statement also reads each variant's product and
 * primes productLoader with it: a variant this viewer may see implies its
 * product is visible at the same level (OWNER: everything; PARTNER: the
 * product is ACTIVE in both rules; PUBLIC: the product is ACTIVE and this very
 * variant is a live, publicly listed one, which is productVisibility's EXISTS),
 * so `variant { product { … } }` costs no second query.
 *
 * A partner or shopper's miss on an existing brand may be a projection that
 * has not caught up yet (a listing or connection the retailer or identity
 * just committed, whose event is already in the log): the catalog's consumer
 * group is let catch up once, bounded (kernel.settle), and the missed ids are
 * looked up again. A variant that is really not visible stays null.
 */
export function variantLoader(ctx: CatalogContext) {
  return ctx.loaders.get<string, VariantNode | null>('variantById', async (ids) => {
    const found = new Map<string, VariantNode>();
    const products = productLoader(ctx);
    const lookUp = async (wanted: readonly string[]) => {
      const groups = await perTenant(ctx, wanted, 'var');
      await Promise.all(
        groups.map(async ({ tenant, ids: own, level }) => {
          const t = qname(tenant.dbName);
          const vis = variantVisibility(ctx, tenant, level);
          const rows = await tenantEm(ctx, tenant).execute<Row[]>(
            `select v.*, p.name as product_name, ${PRODUCT_OF_VARIANT_SQL}
              from ${t}.variants v join ${t}.products p on p.id = v.product_id
              where v.id in (${marks(own.length)})${vis.sql}`,
            [...own, ...vis.params],
          );
          const primed = new Set<string>();
          for (const r of rows) {
            found.set(String(r.id), variantFromRow(r, tenant.organizationId, level));
            const productId = String(r.product_id);
            if (primed.has(productId)) continue;
            primed.add(productId);
            products.clear(productId);
            products.prime(productId, productFromRow(productOfVariantRow(r), tenant.organizationId, level));
          }
        }),
      );
      return groups.filter((g) => g.level !== 'OWNER').flatMap((g) => g.ids.filter((id) => !found.has(id)));
    };
    const missed = await lookUp(ids);
    if (missed.length && (await ctx.kernel.settle())) {
      ctx.loaders.get('partnerBrands', async () => []).clearAll();
      await lookUp(missed);
    }
    return ids.map((id) => found.get(id) ?? null);
  });
}

/**
 * Variants of visible products (the caller checked the product). Non-owners
 * never get archived variants in a list; PUBLIC viewers get only publicly
 * listed ones.
 */
export function variantsOfProductLoader(ctx: CatalogContext, includeArchived: boolean) {
  const name = includeArchived ? 'variantsByProduct:all' : 'variantsByProduct:live';
  return ctx.loaders.get<string, VariantNode[]>(name, async (productIds) => {
    const out: VariantNode[] = [];
    await Promise.all(
      (await perTenant(ctx, productIds, 'prd')).map(async ({ tenant, ids: own, level }) => {
        const t = qname(tenant.dbName);
        const params: unknown[] = [...own];
        let sql = `select v.*, p.name as product_name from ${t}.variants v join ${t}.products p on p.id = v.product_id
          where v.product_id in (${marks(own.length)})`;
        if (!(includeArchived && level === 'OWNER')) sql += ' and v.archived_at is null';
        if (level !== 'OWNER') sql += ` and p.status = 'ACTIVE'`;
        if (level === 'PUBLIC') {
          sql += ` and ${publicVariantSql(ctx.kernel.serviceDb, 'v')}`;
          params.push(tenant.organizationId);
        }
        const rows = await tenantEm(ctx, tenant).execute<Row[]>(`${sql} order by v.position, v.id`, params);
        for (const r of rows) out.push(variantFromRow(r, tenant.organizationId, level));
      }),
    );
    return groupByKeys(productIds, out, (v) => v.productId);
  });
}

/** Categories by id, without an access check (callers reach them through a visible product or a checked query). */
export function categoryLoader(ctx: CatalogContext) {
  return ctx.loaders.get<string, CategoryNode | null>('categoryById', async (ids) => {
    const found = new Map<string, CategoryNode>();
    await Promise.all(
      (await perTenant(ctx, ids, 'cat')).map(async ({ tenant, ids: own, level }) => {
        const rows = await tenantEm(ctx, tenant).execute<Row[]>(
          `select * from ${qname(tenant.dbName)}.categories where id in (${marks(own.length)})`,
          own,
        );
        for (const r of rows) found.set(String(r.id), categoryFromRow(r, tenant.organizationId, level));
      }),
    );
    return ids.map((id) => found.get(id) ?? null);
  });
}

export function childCategoriesLoader(ctx: CatalogContext) {
  return ctx.loaders.get<string, CategoryNode[]>('categoriesByParent', async (parentIds) => {
    const out: CategoryNode[] = [];
    await Promise.all(
      (await perTenant(ctx, parentIds, 'cat')).map(async ({ tenant, ids: own, level }) => {
        const rows = await tenantEm(ctx, tenant).execute<Row[]>(
          `select * from ${qname(tenant.dbName)}.categories where parent_id in (${marks(own.length)})
            order by path`,
          own,
        );
        for (const r of rows) out.push(categoryFromRow(r, tenant.organizationId, level));
      }),
    );
    return groupByKeys(parentIds, out, (c) => c.parentId!);
  });
}

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
  const where: string[] = [];
  const params: unknown[] = [];
  if (args.parentId !== undefined && args.parentId !== null) {
    if (parseId(args.parentId, 'cat')?.tenantKey !== tenant.tenantKey) return empty;
    where.push('parent_id = ?');
    params.push(args.parentId);
  }
  const t = qname(tenant.dbName);
  const cond = where.length ? `where ${where.join(' and ')}` : '';
  const after = page.after ? `${cond ? `${cond} and` : 'where'} path > ?` : cond;
  const em = tenantEm(ctx, tenant);
  const rows = await em.execute<Row[]>(`select * from ${t}.categories ${after} order by path limit ?`, [
    ...params,
    ...(page.after ? [page.after] : []),
    page.limit,
  ]);
  return toConnection(
    rows.map((r) => categoryFromRow(r, brandId, level)),
    page,
    (c) => c.path,
    async () =>
      Number(
        (await em.execute<{ n: number }[]>(`select count(*) as n from ${t}.categories ${cond}`, params))[0]!
          .n,
      ),
  );
}

// ---------------------------------------------------------------------------
// products(filter, sort, first, after): one query per brand in scope, merged.

export const SORT_FIELDS = ['NAME', 'CREATED_AT', 'UPDATED_AT'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

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

type Cursor = [string, string];

const SORT_COLUMN: Record<SortField, string> = {
  NAME: 'sort_name',
  CREATED_AT: 'created_at',
  UPDATED_AT: 'updated_at',
};

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

/** InnoDB's default full-text stopwords: a required stopword would match nothing. */
const STOPWORDS = new Set(
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(
    ' ',
  ),
);

/** A boolean-mode query requiring every word (prefix match), or null when no word is indexable. */
export function fullTextQuery(search: string): string | null {
  const words = search
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w))
    .slice(0, 10);
  return words.length ? words.map((w) => `+${w}*`).join(' ') : null;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

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

  const plans = tenants.flatMap((tenant) => {
    const level = levels.get(tenant.organizationId);
    if (!level) return [];
    if (level !== 'OWNER' && f.status && f.status !== 'ACTIVE') return [];
    const t = qname(tenant.dbName);
    const where: string[] = [];
    const params: unknown[] = [];
    if (level === 'OWNER' && f.status) {
      where.push('p.status = ?');
      params.push(f.status);
    }
    const vis = productVisibility(ctx, tenant, level);
    if (vis.sql) {
      where.push(vis.sql.replace(/^ and /, ''));
      params.push(...vis.params);
    }
    if (category) {
      where.push(`p.category_id in (select c2.id from ${t}.categories c1 join ${t}.categories c2
        on c2.path = c1.path or c2.path like concat(c1.path, '/%') where c1.id = ?)`);
      params.push(category.id);
    }
    if (search) {
      const ft = fullTextQuery(search);
      const skuVisible =
        level === 'OWNER'
          ? ''
          : ` and sv.archived_at is null${level === 'PUBLIC' ? ` and ${publicVariantSql(ctx.kernel.serviceDb, 'sv')}` : ''}`;
      const sku = `exists (select 1 from ${t}.variants sv where sv.product_id = p.id and sv.sku like ?${skuVisible})`;
      const skuParams: unknown[] = [
        `${likeEscape(search)}%`,
        ...(level === 'PUBLIC' ? [tenant.organizationId] : []),
      ];
      if (ft) {
        where.push(`(match(p.name, p.description) against (? in boolean mode) or ${sku})`);
        params.push(ft, ...skuParams);
      } else {
        where.push(`(p.name like ? or ${sku})`);
        params.push(`%${likeEscape(search)}%`, ...skuParams);
      }
    }
    return [{ tenant, level, t, where, params }];
  });

  const col = SORT_COLUMN[field];
  const dir = desc ? 'desc' : 'asc';
  const cmp = desc ? '<' : '>';
  const rows = (
    await Promise.all(
      plans.map(async ({ tenant, level, t, where, params }) => {
        const w = [...where];
        const p = [...params];
        if (page.after) {
          const v = field === 'NAME' ? page.after[0] : sqlDate(new Date(page.after[0]));
          w.push(`(p.${col} ${cmp} ? or (p.${col} = ? and p.id ${cmp} ?))`);
          p.push(v, v, page.after[1]);
        }
        const result = await tenantEm(ctx, tenant).execute<Row[]>(
          `select p.* from ${t}.products p ${w.length ? `where ${w.join(' and ')}` : ''}
            order by p.${col} ${dir}, p.id ${dir} limit ?`,
          [...p, page.limit],
        );
        return result.map((r) => productFromRow(r, tenant.organizationId, level));
      }),
    )
  )
    .flat()
    .sort(comparator(field, desc))
    .slice(0, page.limit);

  return toConnection(rows, page, keyOf, async () => {
    const counts = await Promise.all(
      plans.map(async ({ tenant, t, where, params }) => {
        const r = await tenantEm(ctx, tenant).execute<{ n: number }[]>(
          `select count(*) as n from ${t}.products p ${where.length ? `where ${where.join(' and ')}` : ''}`,
          params,
        );
        return Number(r[0]!.n);
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  });
}
