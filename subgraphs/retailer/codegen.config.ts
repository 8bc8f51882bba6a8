/** Typed-resolver generation for this subgraph: see schema/codegen.ts. Paths are relative to src/generated/resolvers.ts. */
export default {
  contextType: '../services.ts#RetailerContext',
  // Percent (resolvers/scalars.ts): a decimal string both ways.
  scalars: { Percent: 'string' },
};
