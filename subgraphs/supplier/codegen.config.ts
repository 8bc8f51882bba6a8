/** Typed-resolver generation for this subgraph: see schema/codegen.ts. Paths are relative to src/generated/resolvers.ts. */
export default {
  contextType: '../context.ts#SupplierContext',
};
