/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#CatalogContext',
  mappers: {
    Product: '../domain/nodes.ts#ProductNode',
    ProductVariant: '../domain/nodes.ts#VariantNode',
    Category: '../domain/nodes.ts#CategoryNode',
    Organization: '../domain/nodes.ts#OrganizationRef',
  },
};
