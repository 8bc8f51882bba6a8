/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#RetailerContext',
  mappers: {
    ProductVariant: '../services.ts#EntityRef',
    Organization: '../services.ts#EntityRef',
    Storefront: '../store/directory.ts#StorefrontView',
    Listing: '../store/listings.ts#ListingView',
    Cart: '../domain/carts.ts#CartView',
    CartLine: '../domain/carts.ts#CartLineView',
  },
  // Percent (resolvers/scalars.ts): a decimal string both ways.
  scalars: { Percent: 'string' },
};
