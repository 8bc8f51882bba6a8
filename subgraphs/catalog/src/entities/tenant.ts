import { defineEntity, p } from '@mikro-orm/core';

/**
 * Tables of a brand's own database (`${DB_PREFIX}catalog_<tenantKey>`). The
 * entities are `schema: '*'`: they are used only through an EntityManager
 * forked onto one tenant database (TenantRegistry.em). Ids, not ORM relations.
 */

export const PRODUCT_STATUSES = ['DRAFT', 'ACTIVE', 'ARCHIVED'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export const ATTRIBUTE_TYPES = ['STRING', 'NUMBER', 'BOOLEAN'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface ProductOptionValue {
  name: string;
  values: string[];
}
export interface ProductAttributeValue {
  name: string;
  type: AttributeType;
  /** Canonical text of the value: a decimal for NUMBER, "true"/"false" for BOOLEAN. */
  value: string;
}
export interface ProductMediaValue {
  url: string;
  altText: string | null;
  position: number;
}
export interface SelectedOptionValue {
  name: string;
  value: string;
}

export const Category = defineEntity({
  name: 'Category',
  tableName: 'categories',
  schema: '*',
  properties: {
    id: p.string().primary(),
    parentId: p.string().nullable(),
    name: p.string(),
    slug: p.string(),
    /** Slugs from the root, `apparel/shirts`; unique per brand. */
    path: p.string(),
    depth: p.integer(),
    description: p.text().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Category = InstanceType<typeof Category.class>;

export const Product = defineEntity({
  name: 'Product',
  tableName: 'products',
  schema: '*',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    /** Normalised name (lower case, NFC) in a binary collation: the NAME sort key, comparable across brands. */
    sortName: p.string(),
    description: p.text().nullable(),
    status: p.string().$type<ProductStatus>(),
    categoryId: p.string().nullable(),
    options: p.json<ProductOptionValue[]>(),
    attributes: p.json<ProductAttributeValue[]>(),
    media: p.json<ProductMediaValue[]>(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    publishedAt: p.datetime().nullable(),
    archivedAt: p.datetime().nullable(),
  },
});
export type Product = InstanceType<typeof Product.class>;

export const Variant = defineEntity({
  name: 'Variant',
  tableName: 'variants',
  schema: '*',
  properties: {
    id: p.string().primary(),
    productId: p.string(),
    sku: p.string(),
    gtin: p.string().nullable(),
    options: p.json<SelectedOptionValue[]>(),
    /** The option values in the product's option order, joined: unique per product among live variants. */
    optionKey: p.string().nullable(),
    msrpMinor: p.bigint('string').nullable(),
    msrpCurrency: p.string().nullable(),
    position: p.integer(),
    archivedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Variant = InstanceType<typeof Variant.class>;

export const tenantEntities = [Category, Product, Variant];
