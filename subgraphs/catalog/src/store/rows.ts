import { utcDate } from '@tradegraph/shared';
import type { AccessLevel, CategoryNode, ProductNode, VariantNode } from '../domain/nodes.ts';
import type {
  ProductAttributeValue,
  ProductMediaValue,
  ProductOptionValue,
  ProductStatus,
  SelectedOptionValue,
} from '../entities/index.ts';

/** Raw rows of a brand's tables are parsed into typed nodes here, and nowhere else. */

export type Row = Record<string, unknown>;

/** DATETIME(3) columns come back as UTC text ('2026-01-02 03:04:05.678'): utcDate reads them. */
const dateOrNull = (v: unknown) => (v === null || v === undefined ? null : utcDate(v));

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
    createdAt: utcDate(r.created_at),
    updatedAt: utcDate(r.updated_at),
    publishedAt: dateOrNull(r.published_at),
    archivedAt: dateOrNull(r.archived_at),
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
    createdAt: utcDate(r.created_at),
    updatedAt: utcDate(r.updated_at),
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
    createdAt: utcDate(r.created_at),
    updatedAt: utcDate(r.updated_at),
  };
}
