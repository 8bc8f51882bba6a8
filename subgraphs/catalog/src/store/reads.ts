import {
  groupByKeys,
  groupIdsByTenant,
  onTenant,
  placeholders,
  quoteDb,
  registryOf,
  type TenantInfo,
  tenantKeyOf,
} from '@tradegraph/shared';
import { levelsFor } from '../domain/access.ts';
import type { AccessLevel, CategoryNode, ProductNode, VariantNode } from '../domain/nodes.ts';
import type { ProductStatus } from '../entities/index.ts';
import type { CatalogContext } from '../services.ts';
import { categoryFromRow, productFromRow, type Row, sqlDate, variantFromRow } from './rows.ts';
import { publicVariantSql } from './visibility.ts';

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

/** Brands by organisation id (unknown brands are left out), in one registry lookup. */
export async function tenantsOfBrands(
  ctx: CatalogContext,
  brandIds: readonly string[],
): Promise<TenantInfo[]> {
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
  const t = quoteDb(tenant.dbName);
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
          `select p.* from ${quoteDb(tenant.dbName)}.products p where p.id in (${placeholders(own.length)})${vis.sql}`,
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
/**
 * The product's JSON columns come back as text (the driver would parse them on
 * every row, i.e. once per variant): productFromRow parses them once per
 * product, for the one row that primes it (productLoader below).
 */
const PRODUCT_JSON_COLUMNS = new Set<string>(['options', 'attributes', 'media']);
const PRODUCT_OF_VARIANT_SQL = PRODUCT_COLUMNS.map((c) =>
  PRODUCT_JSON_COLUMNS.has(c) ? `cast(p.${c} as char) as p__${c}` : `p.${c} as p__${c}`,
).join(', ');

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
          const t = quoteDb(tenant.dbName);
          const vis = variantVisibility(ctx, tenant, level);
          const rows = await tenantEm(ctx, tenant).execute<Row[]>(
            `select v.*, p.name as product_name, ${PRODUCT_OF_VARIANT_SQL}
              from ${t}.variants v join ${t}.products p on p.id = v.product_id
              where v.id in (${placeholders(own.length)})${vis.sql}`,
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
        const t = quoteDb(tenant.dbName);
        const params: unknown[] = [...own];
        let sql = `select v.*, p.name as product_name from ${t}.variants v join ${t}.products p on p.id = v.product_id
          where v.product_id in (${placeholders(own.length)})`;
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
          `select * from ${quoteDb(tenant.dbName)}.categories where id in (${placeholders(own.length)})`,
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
          `select * from ${quoteDb(tenant.dbName)}.categories where parent_id in (${placeholders(own.length)})
            order by path`,
          own,
        );
        for (const r of rows) out.push(categoryFromRow(r, tenant.organizationId, level));
      }),
    );
    return groupByKeys(parentIds, out, (c) => c.parentId!);
  });
}

/** A page of a brand's categories in path order (optionally the children of one), from `after` on. */
export async function categoriesPage(
  ctx: CatalogContext,
  tenant: TenantInfo,
  level: AccessLevel,
  opts: { parentId: string | null; after: string | null; limit: number },
): Promise<CategoryNode[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (opts.parentId !== null) {
    where.push('parent_id = ?');
    params.push(opts.parentId);
  }
  if (opts.after !== null) {
    where.push('path > ?');
    params.push(opts.after);
  }
  const rows = await tenantEm(ctx, tenant).execute<Row[]>(
    `select * from ${quoteDb(tenant.dbName)}.categories ${where.length ? `where ${where.join(' and ')}` : ''}
      order by path limit ?`,
    [...params, opts.limit],
  );
  return rows.map((r) => categoryFromRow(r, tenant.organizationId, level));
}

/** How many categories the brand has (or children of one). */
export async function countCategories(ctx: CatalogContext, tenant: TenantInfo, parentId: string | null) {
  const rows = await tenantEm(ctx, tenant).execute<{ n: number }[]>(
    `select count(*) as n from ${quoteDb(tenant.dbName)}.categories${parentId !== null ? ' where parent_id = ?' : ''}`,
    parentId !== null ? [parentId] : [],
  );
  return Number(rows[0]!.n);
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

export type SortField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT';
export type Cursor = [string, string];

const SORT_COLUMN: Record<SortField, string> = {
  NAME: 'sort_name',
  CREATED_AT: 'created_at',
  UPDATED_AT: 'updated_at',
};

/** One brand's part of a `products` query: its WHERE, with the viewer's visibility rule in it. */
export interface ProductQuery {
  tenant: TenantInfo;
  level: AccessLevel;
  where: string[];
  params: unknown[];
}

/** The WHERE of a products query on one brand at the viewer's level. */
export function productQuery(
  ctx: CatalogContext,
  tenant: TenantInfo,
  level: AccessLevel,
  f: { status: ProductStatus | null; categoryId: string | null; search: string },
): ProductQuery {
  const t = quoteDb(tenant.dbName);
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.status) {
    where.push('p.status = ?');
    params.push(f.status);
  }
  const vis = productVisibility(ctx, tenant, level);
  if (vis.sql) {
    where.push(vis.sql.replace(/^ and /, ''));
    params.push(...vis.params);
  }
  if (f.categoryId) {
    where.push(`p.category_id in (select c2.id from ${t}.categories c1 join ${t}.categories c2
      on c2.path = c1.path or c2.path like concat(c1.path, '/%') where c1.id = ?)`);
    params.push(f.categoryId);
  }
  if (f.search) {
    const ft = fullTextQuery(f.search);
    const skuVisible =
      level === 'OWNER'
        ? ''
        : ` and sv.archived_at is null${level === 'PUBLIC' ? ` and ${publicVariantSql(ctx.kernel.serviceDb, 'sv')}` : ''}`;
    const sku = `exists (select 1 from ${t}.variants sv where sv.product_id = p.id and sv.sku like ?${skuVisible})`;
    const skuParams: unknown[] = [
      `${likeEscape(f.search)}%`,
      ...(level === 'PUBLIC' ? [tenant.organizationId] : []),
    ];
    if (ft) {
      where.push(`(match(p.name, p.description) against (? in boolean mode) or ${sku})`);
      params.push(ft, ...skuParams);
    } else {
      where.push(`(p.name like ? or ${sku})`);
      params.push(`%${likeEscape(f.search)}%`, ...skuParams);
    }
  }
  return { tenant, level, where, params };
}

/** One brand's page of a products query in sort order, after the keyset cursor. */
export async function productsPage(
  ctx: CatalogContext,
  q: ProductQuery,
  sort: { field: SortField; desc: boolean },
  after: Cursor | null,
  limit: number,
): Promise<ProductNode[]> {
  const col = SORT_COLUMN[sort.field];
  const dir = sort.desc ? 'desc' : 'asc';
  const cmp = sort.desc ? '<' : '>';
  const w = [...q.where];
  const p = [...q.params];
  if (after) {
    const v = sort.field === 'NAME' ? after[0] : sqlDate(new Date(after[0]));
    w.push(`(p.${col} ${cmp} ? or (p.${col} = ? and p.id ${cmp} ?))`);
    p.push(v, v, after[1]);
  }
  const rows = await tenantEm(ctx, q.tenant).execute<Row[]>(
    `select p.* from ${quoteDb(q.tenant.dbName)}.products p ${w.length ? `where ${w.join(' and ')}` : ''}
      order by p.${col} ${dir}, p.id ${dir} limit ?`,
    [...p, limit],
  );
  return rows.map((r) => productFromRow(r, q.tenant.organizationId, q.level));
}

/** How many products of one brand the query matches. */
export async function countProducts(ctx: CatalogContext, q: ProductQuery): Promise<number> {
  const r = await tenantEm(ctx, q.tenant).execute<{ n: number }[]>(
    `select count(*) as n from ${quoteDb(q.tenant.dbName)}.products p ${q.where.length ? `where ${q.where.join(' and ')}` : ''}`,
    q.params,
  );
  return Number(r[0]!.n);
}
