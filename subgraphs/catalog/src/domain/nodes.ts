import type {
  Category,
  Product,
  ProductAttributeValue,
  ProductMediaValue,
  ProductOptionValue,
  ProductStatus,
  SelectedOptionValue,
  Variant,
} from '../entities/index.ts';

/**
 * What resolvers get: plain rows of a brand's database plus the brand they
 * belong to and the viewer's access level (which decides, e.g., which variants
 * `Product.variants` lists). Reads use SQL on tenant databases (so one query
 * can also check visibility against the service database's projections).
 */

/** OWNER: the brand's own members; PARTNER: ACTIVE CATALOG_READ connection; PUBLIC: everyone, publicly listed variants only. */
export type AccessLevel = 'OWNER' | 'PARTNER' | 'PUBLIC';

export interface ProductNode {
  id: string;
  brandId: string;
  level: AccessLevel;
  name: string;
  sortName: string;
  description: string | null;
  status: ProductStatus;
  categoryId: string | null;
  options: ProductOptionValue[];
  attributes: ProductAttributeValue[];
  media: ProductMediaValue[];
  createdAt: Date;
  updatedAt: Date;
  publishedAt: Date | null;
  archivedAt: Date | null;
}

export interface VariantNode {
  id: string;
  brandId: string;
  level: AccessLevel;
  productId: string;
  productName: string;
  sku: string;
  gtin: string | null;
  options: SelectedOptionValue[];
  msrpMinor: string | null;
  msrpCurrency: string | null;
  position: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CategoryNode {
  id: string;
  brandId: string;
  level: AccessLevel;
  parentId: string | null;
  name: string;
  slug: string;
  path: string;
  depth: number;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type Row = Record<string, unknown>;

/** A DATETIME(3) read as text in UTC ('2026-01-02 03:04:05.678') or a Date. */
export function dateOf(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(s.includes('T') ? s : `${s.replace(' ', 'T')}Z`);
}
const dateOrNull = (v: unknown) => (v === null || v === undefined ? null : dateOf(v));

/** A date as SQL DATETIME(3) text in UTC, for parameters compared with datetime columns. */
export function sqlDate(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export function productFromRow(r: Row, brandId: string, level: AccessLevel): ProductNode {
  return {
    id: String(r.id),
    brandId,
    level,
    name: String(r.name),
    sortName: String(r.sort_name),
    description: (r.description as string | null) ?? null,
    status: r.status as ProductStatus,
    categoryId: (r.category_id as string | null) ?? null,
    options: json<ProductOptionValue[]>(r.options),
    attributes: json<ProductAttributeValue[]>(r.attributes),
    media: json<ProductMediaValue[]>(r.media),
    createdAt: dateOf(r.created_at),
    updatedAt: dateOf(r.updated_at),
    publishedAt: dateOrNull(r.published_at),
    archivedAt: dateOrNull(r.archived_at),
  };
}

export function productFromEntity(p: Product, brandId: string, level: AccessLevel): ProductNode {
  return {
    id: p.id,
    brandId,
    level,
    name: p.name,
    sortName: p.sortName,
    description: p.description ?? null,
    status: p.status,
    categoryId: p.categoryId ?? null,
    options: p.options,
    attributes: p.attributes,
    media: p.media,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    publishedAt: p.publishedAt ?? null,
    archivedAt: p.archivedAt ?? null,
  };
}

export function variantFromRow(r: Row, brandId: string, level: AccessLevel): VariantNode {
  return {
    id: String(r.id),
    brandId,
    level,
    productId: String(r.product_id),
    productName: String(r.product_name ?? ''),
    sku: String(r.sku),
    gtin: (r.gtin as string | null) ?? null,
    options: json<SelectedOptionValue[]>(r.options),
    msrpMinor: r.msrp_minor === null || r.msrp_minor === undefined ? null : String(r.msrp_minor),
    msrpCurrency: (r.msrp_currency as string | null) ?? null,
    position: Number(r.position),
    archivedAt: dateOrNull(r.archived_at),
    createdAt: dateOf(r.created_at),
    updatedAt: dateOf(r.updated_at),
  };
}

export function variantFromEntity(v: Variant, productName: string, brandId: string): VariantNode {
  return {
    id: v.id,
    brandId,
    level: 'OWNER',
    productId: v.productId,
    productName,
    sku: v.sku,
    gtin: v.gtin ?? null,
    options: v.options,
    msrpMinor: v.msrpMinor ?? null,
    msrpCurrency: v.msrpCurrency ?? null,
    position: v.position,
    archivedAt: v.archivedAt ?? null,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
  };
}

export function categoryFromRow(r: Row, brandId: string, level: AccessLevel): CategoryNode {
  return {
    id: String(r.id),
    brandId,
    level,
    parentId: (r.parent_id as string | null) ?? null,
    name: String(r.name),
    slug: String(r.slug),
    path: String(r.path),
    depth: Number(r.depth),
    description: (r.description as string | null) ?? null,
    createdAt: dateOf(r.created_at),
    updatedAt: dateOf(r.updated_at),
  };
}

export function categoryFromEntity(c: Category, brandId: string): CategoryNode {
  return {
    id: c.id,
    brandId,
    level: 'OWNER',
    parentId: c.parentId ?? null,
    name: c.name,
    slug: c.slug,
    path: c.path,
    depth: c.depth,
    description: c.description ?? null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
