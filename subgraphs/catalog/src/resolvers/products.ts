import { fromMinorUnits, type PageArgs, payload } from '@tradegraph/shared';
import type { CatalogContext } from '../context.ts';
import type { CategoryNode, ProductNode, VariantNode } from '../domain/nodes.ts';
import {
  archiveProduct,
  type CreateProductInput,
  createProduct,
  publishProduct,
  type UpdateProductInput,
  updateProduct,
} from '../domain/products.ts';
import {
  categoryLoader,
  listProducts,
  type ProductFilter,
  type ProductSort,
  productLoader,
  variantLoader,
  variantsOfProductLoader,
} from '../domain/reads.ts';
import { catalogWrite } from '../domain/writes.ts';

type ListArgs = PageArgs & { filter?: ProductFilter | null; sort?: ProductSort | null };

export const productQueries = {
  product: (_: unknown, { id }: { id: string }, ctx: CatalogContext) => productLoader(ctx).load(id),
  productVariant: (_: unknown, { id }: { id: string }, ctx: CatalogContext) => variantLoader(ctx).load(id),
  products: (_: unknown, args: ListArgs, ctx: CatalogContext) =>
    listProducts(ctx, args.filter, args.sort, args),
};

export const productMutations = {
  createProduct: (_: unknown, { input }: { input: CreateProductInput }, ctx: CatalogContext) =>
    payload('product', () => catalogWrite(ctx, 'catalog:write', (tx) => createProduct(tx, input))),
  updateProduct: (_: unknown, { input }: { input: UpdateProductInput }, ctx: CatalogContext) =>
    payload('product', () => catalogWrite(ctx, 'catalog:write', (tx) => updateProduct(tx, input))),
  publishProduct: (_: unknown, { input }: { input: { id: string } }, ctx: CatalogContext) =>
    payload('product', () => catalogWrite(ctx, 'catalog:publish', (tx) => publishProduct(tx, input))),
  archiveProduct: (_: unknown, { input }: { input: { id: string } }, ctx: CatalogContext) =>
    payload('product', () => catalogWrite(ctx, 'catalog:publish', (tx) => archiveProduct(tx, input))),
};

export const productTypes = {
  Product: {
    __resolveReference: (ref: { id: string }, ctx: CatalogContext) => productLoader(ctx).load(ref.id),
    brand: (p: ProductNode) => ({ id: p.brandId }),
    category: (p: ProductNode, _: unknown, ctx: CatalogContext) =>
      p.categoryId ? categoryLoader(ctx).load(p.categoryId) : null,
    variants: (p: ProductNode, args: { includeArchived?: boolean | null }, ctx: CatalogContext) =>
      variantsOfProductLoader(ctx, !!args.includeArchived && p.level === 'OWNER').load(p.id),
  },
  ProductVariant: {
    __resolveReference: (ref: { id: string }, ctx: CatalogContext) => variantLoader(ctx).load(ref.id),
    title: (v: VariantNode) => [v.productName, ...v.options.map((o) => o.value)].join(' / '),
    msrp: (v: VariantNode) =>
      v.msrpMinor !== null && v.msrpCurrency ? fromMinorUnits(BigInt(v.msrpMinor), v.msrpCurrency) : null,
    product: (v: VariantNode, _: unknown, ctx: CatalogContext) => productLoader(ctx).load(v.productId),
    brand: (v: VariantNode) => ({ id: v.brandId }),
    archived: (v: VariantNode) => v.archivedAt !== null,
  },
  Organization: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    products: (
      org: { id: string },
      args: PageArgs & { filter?: ProductFilter | null; sort?: ProductSort | null },
      ctx: CatalogContext,
    ) => {
      const { search, categoryId, status } = args.filter ?? {};
      return listProducts(ctx, { search, categoryId, status }, args.sort, args, org.id);
    },
  },
  Category: {
    parent: (c: CategoryNode, _: unknown, ctx: CatalogContext) =>
      c.parentId ? categoryLoader(ctx).load(c.parentId) : null,
    brand: (c: CategoryNode) => ({ id: c.brandId }),
  },
};
