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
 * What resolvers get: a brand's rows as typed values, plus the brand they
 * belong to and the viewer's access level (which decides, e.g., which variants
 * `Product.variants` lists). The store parses rows into these (store/rows.ts).
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

/** A reference to an organisation (its profile is identity's; catalog adds `products`). */
export interface OrganizationRef {
  id: string;
}
