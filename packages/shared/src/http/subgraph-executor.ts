import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import {
  BREAK,
  type DocumentNode,
  defaultFieldResolver,
  type ExecutionResult,
  execute,
  type GraphQLSchema,
  getNamedType,
  isLeafType,
  isObjectType,
  visit,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayLoadResult = Awaited<ReturnType<GatewayInterface['load']>>;
type GatewayExecutor = NonNullable<GatewayLoadResult['executor']>;

/**
 * How a subgraph executes operations: queries through graphql-jit, which
 * compiles each operation once into plain JavaScript (per request it walks the
 * data, not the query's AST: a page of 50 `_entities` costs a sixth of
 * graphql-js' execution), everything else through graphql-js.
 *
 * The answer is graphql-js' answer, byte for byte:
 * - graphql-jit runs only queries (mutations keep graphql-js' serial
 *   execution) without introspection fields or directives in the document
 *   (@skip/@include are where graphql-jit's own rules have differed);
 * - fields with no resolver of an object or list type resolve through
 *   graphql-js' default resolver, which calls a function-valued property as
 *   graphql-js does (graphql-jit would read it as the object); leaf values go
 *   through the scalar's own serialize in both engines;
 * - an answer with any error is thrown away and the operation executed again
 *   by graphql-js, whose messages, paths and order of errors are the
 *   reference. Queries only read, so running one again changes nothing (it
 *   costs the statements of the second run, on error paths alone).
 *
 * Apollo Server hands execution to it through its gateway interface, so
 * parsing, validation, plugins, error formatting and HTTP stay Apollo's.
 */
export function createSubgraphExecutor(
  schema: GraphQLSchema,
  opts: {
    jit?: boolean;
    /**
     * What identifies a request's context in jitAnswers. Apollo Server hands the
     * executor a shallow copy of the context the server built, so an object the
     * context holds (not the context itself) is the request's identity.
     */
    contextKey?: (context: object) => object | undefined;
  } = {},
) {
  const jit = opts.jit ?? true;
  if (jit) resolveCompositeFieldsByDefault(schema);
  // Apollo Server keeps one DocumentNode per distinct query text in its
  // document store, so the compiled forms live exactly as long as it keeps them.
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  const counts = { jit: 0, graphqlJs: 0, rerun: 0 };
  /** Per request (opts.contextKey): the compiled query that answered it without errors (see JitAnswer). */
  const jitAnswers = new WeakMap<object, JitAnswer>();

  const compiledFor = (document: DocumentNode, operationName: string | undefined) => {
    let byName = compiled.get(document);
    if (!byName) {
      byName = new Map();
      compiled.set(document, byName);
    }
    const key = operationName ?? '';
    let query = byName.get(key);
    if (query === undefined) {
      const result = jitSafe(document) ? compileQuery(schema, document, operationName) : null;
      query = result && isCompiledQuery(result) ? result : null;
      byName.set(key, query);
    }
    return query;
  };

  const executor: GatewayExecutor = async (rc) => {
    const operationName = rc.request.operationName ?? undefined;
    const variables = rc.request.variables;
    if (jit && rc.operation.operation === 'query') {
      const query = compiledFor(rc.document, operationName);
      if (query) {
        const result = await query.query(undefined, rc.context, variables ?? {});
        if (!result.errors?.length) {
          counts.jit++;
          const key =
            rc.context && typeof rc.context === 'object' ? opts.contextKey?.(rc.context) : undefined;
          if (key) jitAnswers.set(key, { query, operationName: rc.operationName ?? null });
          return result as ExecutionResult<Record<string, unknown>>;
        }
        counts.rerun++;
      }
    }
    counts.graphqlJs++;
    return execute({
      schema,
      document: rc.document,
      contextValue: rc.context,
      variableValues: variables,
      operationName,
    }) as Promise<ExecutionResult<Record<string, unknown>>>;
  };

  const gateway: GatewayInterface = {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
  return { gateway, executor, counts, jitAnswers };
}

/**
 * A query graphql-jit answered without errors for one request: the compiled
 * query and the operation's name as Apollo Server resolved it (for metrics).
 */
export interface JitAnswer {
  query: CompiledQuery;
  operationName: string | null;
}

/**
 * Documents graphql-jit may run: no introspection field (`__schema`,
 * `__type`; `__typename` is fine) and no directive anywhere.
 */
export function jitSafe(document: DocumentNode): boolean {
  let safe = true;
  visit(document, {
    Directive() {
      safe = false;
      return BREAK;
    },
    Field(node) {
      if (node.name.value !== '__schema' && node.name.value !== '__type') return undefined;
      safe = false;
      return BREAK;
    },
  });
  return safe;
}

/**
 * Gives every object type's field of an object or list type that has no
 * resolver graphql-js' default resolver, which is what graphql-js runs for it
 * anyway; graphql-jit would inline a property read instead, which differs when
 * the property is a function. Leaf fields keep the inline read.
 */
function resolveCompositeFieldsByDefault(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.resolve && !isLeafType(getNamedType(field.type))) field.resolve = defaultFieldResolver;
    }
  }
}
