import { fromMinorUnits, write } from '@tradegraph/shared';
import { listProducts } from '../domain/browse.ts';
import { catalogPayload, uniqueKeyError } from '../domain/errors.ts';
import { archiveProduct, createProduct, publishProduct, updateProduct } from '../domain/products.ts';
import type {
  MutationResolvers,
  OrganizationResolvers,
  ProductResolvers,
  ProductVariantResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';
import { onBrand } from '../services.ts';
import { categoryLoader, productLoader, variantLoader, variantsOfProductLoader } from '../store/reads.ts';

/**
 * Unique keys of a brand's variants whose violation by a concurrent write is
 * an expected outcome (the domain's checks could not see the other writer).
 */
const VARIANT_KEYS = {
  variants_sku_uq: uniqueKeyError(
    'DUPLICATE_SKU',
    'This SKU is already used by another variant of this brand',
    'sku',
  ),
  variants_gtin_uq: uniqueKeyError(
    'DUPLICATE_GTIN',
    'This GTIN is already used by another variant of this brand',
    'gtin',
  ),
  variants_options_uq: uniqueKeyError(
    'DUPLICATE_OPTIONS',
    'Another variant of this product has the same option values',
    'options',
  ),
};

export const productQueries = {
  product: (_, { id }, ctx) => productLoader(ctx).load(id),
  productVariant: (_, { id }, ctx) => variantLoader(ctx).load(id),
  products: (_, args, ctx) => listProducts(ctx, args.filter, args.sort, args),
} satisfies Pick<QueryResolvers, 'product' | 'productVariant' | 'products'>;

export const productMutations = {
  createProduct: (_, { input }, ctx) =>
    catalogPayload('product', () =>
      write(
        ctx,
        { permission: 'catalog:write', tenant: 'own', kinds: ['BRAND'], uniqueKeys: VARIANT_KEYS },
        (tx) => createProduct(onBrand(tx), input),
      ),
    ),
  updateProduct: (_, { input }, ctx) =>
    catalogPayload('product', () =>
      write(
        ctx,
        { permission: 'catalog:write', tenant: 'own', kinds: ['BRAND'], uniqueKeys: VARIANT_KEYS },
        (tx) => updateProduct(onBrand(tx), input),
      ),
    ),
  publishProduct: (_, { input }, ctx) =>
    catalogPayload('product', () =>
      write(ctx, { permission: 'catalog:publish', tenant: 'own', kinds: ['BRAND'] }, (tx) =>
        publishProduct(onBrand(tx), input),
      ),
    ),
  archiveProduct: (_, { input }, ctx) =>
    catalogPayload('product', () =>
      write(ctx, { permission: 'catalog:publish', tenant: 'own', kinds: ['BRAND'] }, (tx) =>
        archiveProduct(onBrand(tx), input),
      ),
    ),
} satisfies Pick<MutationResolvers, 'createProduct' | 'updateProduct' | 'publishProduct' | 'archiveProduct'>;

export const Product = {
  __resolveReference: (ref, ctx) => productLoader(ctx).load(ref.id),
  brand: (p) => ({ id: p.brandId }),
  category: (p, _, ctx) => (p.categoryId ? categoryLoader(ctx).load(p.categoryId) : null),
  variants: (p, args, ctx) =>
    variantsOfProductLoader(ctx, !!args.includeArchived && p.level === 'OWNER').load(p.id),
} satisfies ProductResolvers;

/**
 * A variant reference resolves for anyone allowed to see it, else null (unknown,
 * malformed, another type's or a hidden variant alike): see variantLoader.
 */
export const ProductVariant = {
  __resolveReference: (ref, ctx) => variantLoader(ctx).load(ref.id),
  title: (v) => [v.productName, ...v.options.map((o) => o.value)].join(' / '),
  msrp: (v) =>
    v.msrpMinor !== null && v.msrpCurrency ? fromMinorUnits(BigInt(v.msrpMinor), v.msrpCurrency) : null,
  product: (v, _, ctx) => productLoader(ctx).load(v.productId),
  brand: (v) => ({ id: v.brandId }),
  archived: (v) => v.archivedAt !== null,
} satisfies ProductVariantResolvers;

export const Organization = {
  __resolveReference: (ref) => ({ id: ref.id }),
  products: (org, args, ctx) => {
    const { search, categoryId, status } = args.filter ?? {};
    return listProducts(ctx, { search, categoryId, status }, args.sort, args, org.id);
  },
} satisfies OrganizationResolvers;
