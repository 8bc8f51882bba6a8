/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#NotificationsContext',
  mappers: {
    NotificationsNote: '../entities/note.ts#Note',
    // The domain raises user errors through `fail` (src/domain/errors.ts), typed by the code enum.
    NotificationsUserError: '@tradegraph/shared#UserError',
  },
};
