/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#__Pascal__Context',
  mappers: {
    __Pascal__Note: '../entities/note.ts#Note',
    // The domain raises user errors through `fail` (src/domain/errors.ts), typed by the code enum.
    __Pascal__UserError: '@tradegraph/shared#UserError',
  },
};
