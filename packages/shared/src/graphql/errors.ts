import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../logger.ts';

/**
 * Two error shapes (ARCHITECTURE §5): expected business outcomes go in the
 * payload's `userErrors`; everything else is a GraphQL error with a code.
 * Domain code throws AppError subclasses; formatError maps them and masks the rest.
 */

export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly extensions: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.extensions = extensions;
  }
}

export const unauthenticated = (message = 'Authentication required') =>
  new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do this') => new AppError('FORBIDDEN', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const badInput = (message: string, field?: string) =>
  new AppError('BAD_USER_INPUT', message, field ? { field } : {});
export const conflict = (message: string) => new AppError('CONFLICT', message);

/** An expected business failure, returned in a payload's `userErrors`. */
export interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}

export function userError(code: string, message: string, field?: string | string[]): UserError {
  return { code, message, field: field === undefined ? null : Array.isArray(field) ? field : [field] };
}

/** Thrown by domain code for an expected failure; resolvers turn it into a payload with `userErrors`. */
export class UserErrors extends Error {
  readonly errors: UserError[];
  constructor(errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'UserErrors';
    this.errors = errors;
  }
}

export const failWith = (code: string, message: string, field?: string | string[]): never => {
  throw new UserErrors([userError(code, message, field)]);
};

/**
 * Runs a mutation's domain call and shapes its payload: the result under
 * `key` with empty `userErrors`, or null and the user errors.
 */
export async function payload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<{ [P in K]: T | null } & { userErrors: UserError[] }> {
  try {
    const value = await run();
    return { [key]: value, userErrors: [] } as { [P in K]: T | null } & { userErrors: UserError[] };
  } catch (err) {
    if (err instanceof UserErrors) {
      return { [key]: null, userErrors: err.errors } as { [P in K]: T | null } & { userErrors: UserError[] };
    }
    throw err;
  }
}

function isGraphQLError(e: unknown): boolean {
  return e instanceof GraphQLError || (e instanceof Error && e.name === 'GraphQLError' && 'extensions' in e);
}

/**
 * The one error formatter: coded errors pass through with their code; GraphQL
 * validation/parse errors keep theirs; anything else is logged and masked as
 * INTERNAL so no stack, SQL or internal message reaches a client.
 */
/** Codes Apollo Server gives request-level failures (parse, validation, variable coercion). */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * The one error formatter: AppErrors keep their code and message; request-level
 * errors (parse, validation, bad variables) keep theirs; anything else is
 * logged and masked as INTERNAL, so no stack, SQL or internal message reaches
 * a client. Duck-typed rather than `instanceof GraphQLError`, so a second copy
 * of graphql (bundlers, test runners) cannot turn coded errors into INTERNAL.
 */
export function createErrorFormatter(logger: Logger, opts: { exposeInternals?: boolean } = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = isGraphQLError(error) ? ((error as GraphQLError).originalError ?? null) : error;
    if (original instanceof AppError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...original.extensions, code: original.code },
      };
    }
    const code = formatted.extensions?.code;
    const fromResolver = !!formatted.path;
    if (
      typeof code === 'string' &&
      (REQUEST_ERROR_CODES.has(code) || (ERROR_CODES as readonly string[]).includes(code))
    ) {
      if (!fromResolver || !original || isGraphQLError(original)) {
        const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
        return {
          message: formatted.message,
          locations: formatted.locations,
          path: formatted.path,
          extensions,
        };
      }
    }
    logger.error({ err: original ?? error, path: formatted.path }, 'unexpected error in resolver');
    return {
      message: opts.exposeInternals ? formatted.message : 'Internal server error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'INTERNAL' },
    };
  };
}
