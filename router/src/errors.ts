import type { GraphQLFormattedError } from 'graphql';
import { OperationLimitError } from './limits.ts';

/**
 * Codes clients may see as they are. Anything else (INTERNAL_SERVER_ERROR, a
 * gateway DOWNSTREAM_SERVICE_ERROR, an uncoded error) is unexpected and masked
 * as INTERNAL in production.
 */
export const CLIENT_ERROR_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'COST_LIMIT_EXCEEDED',
  'UNAUTHORIZED_FIELD_OR_TYPE',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'INTERNAL',
  'SUBGRAPH_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** Extensions that may carry internals (stacks, subgraph URLs and bodies) and never leave the router. */
const PRIVATE_EXTENSIONS = ['stacktrace', 'exception', 'response', 'serviceName', 'http'];

export function isExpectedErrorCode(code: unknown): boolean {
  return typeof code === 'string' && CLIENT_ERROR_CODES.has(code);
}

/** Follows the originalError chain (Apollo wraps validation errors) looking for one of our limit errors. */
function limitError(error: unknown): OperationLimitError | undefined {
  let e = error;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    if (e instanceof OperationLimitError) return e;
    e = (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/** Apollo's formatError: strips private extensions, restores limit-error codes, masks the unexpected in production. */
export function createErrorFormatter(opts: { production: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const extensions: Record<string, unknown> = { ...formatted.extensions };
    for (const key of PRIVATE_EXTENSIONS) delete extensions[key];
    // Apollo files validation-rule errors under GRAPHQL_VALIDATION_FAILED; ours are the caller's input.
    if (limitError(error)) extensions.code = 'BAD_USER_INPUT';
    if (opts.production && !isExpectedErrorCode(extensions.code)) {
      return {
        message: 'Internal server error',
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: 'INTERNAL' },
      };
    }
    return { ...formatted, extensions };
  };
}

/** The body of an error answered before GraphQL execution (auth, size, readiness). */
export function graphQLErrorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}
