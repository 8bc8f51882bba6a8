import { type UserError, UserErrors, userError } from '@tradegraph/shared';
import type { IdentityErrorCode, IdentityUserError } from '../generated/resolvers.ts';

/**
 * Identity's expected failures, typed by the SDL's IdentityErrorCode: a code
 * the schema does not declare is a compile error here, and one the schema
 * declares but this record lacks is one too.
 */
const CODES: Record<IdentityErrorCode, true> = {
  REQUIRED: true,
  TOO_LONG: true,
  INVALID_EMAIL: true,
  WEAK_PASSWORD: true,
  EMAIL_TAKEN: true,
  INVALID_KIND: true,
  INVALID_NAME: true,
  INVALID_URL: true,
  INVALID_COUNTRY: true,
  INVALID_CREDENTIALS: true,
  TOO_MANY_ATTEMPTS: true,
  INVALID_REFRESH_TOKEN: true,
  REFRESH_TOKEN_REUSED: true,
  NOT_A_MEMBER: true,
  ORGANIZATION_SUSPENDED: true,
  INVALID_ROLE: true,
  ROLE_NOT_ALLOWED: true,
  ALREADY_MEMBER: true,
  INVALID_INVITATION: true,
  CUSTOMER_ACCOUNT: true,
  NOT_PENDING: true,
  LAST_OWNER: true,
  INCOMPATIBLE_PARTNER: true,
  SCOPES_REQUIRED: true,
  INVALID_SCOPE: true,
  SCOPE_NOT_ALLOWED: true,
  SELF_CONNECTION: true,
  PARTNER_NOT_FOUND: true,
  ALREADY_CONNECTED: true,
  NOT_RECIPIENT: true,
  NOT_OPEN: true,
  INVALID_EXPIRY: true,
  EMAIL_NOT_VERIFIED: true,
  ALREADY_VERIFIED: true,
  INVALID_TOKEN: true,
};

function isIdentityErrorCode(code: string): code is IdentityErrorCode {
  return Object.hasOwn(CODES, code);
}

/** Throws one expected failure (the unit rolls back; returned in `userErrors`). */
export const fail = (code: IdentityErrorCode, message: string, field?: string | string[]): never => {
  throw new UserErrors([userError(code, message, field)]);
};

/** A user error of the unit of work's `uniqueKeys` (a concurrent duplicate the domain's check could not see), typed. */
export const uniqueKeyError = (code: IdentityErrorCode, message: string, field: string) => ({
  code,
  message,
  field,
});

/**
 * An expected failure returned rather than thrown, for outcomes whose writes
 * must commit (a failed login's count, a reused refresh token's revocation).
 */
export interface Refusal {
  refused: UserError;
}

export const refuse = (code: IdentityErrorCode, message: string, field?: string): Refusal => ({
  refused: userError(code, message, field),
});

/** Throws a committed refusal as userErrors once its unit of work is over. */
export function unlessRefused<T extends object>(outcome: T | Refusal): T {
  if ('refused' in outcome) throw new UserErrors([outcome.refused]);
  return outcome;
}

/**
 * The payload of an identity mutation: the result under `key` with no
 * userErrors, or null and the user errors. A code outside IdentityErrorCode is
 * a bug and fails the request (INTERNAL) rather than reaching a client.
 */
export async function identityPayload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<Record<K, T | null> & { userErrors: IdentityUserError[] }> {
  let value: T | null = null;
  let userErrors: IdentityUserError[] = [];
  try {
    value = await run();
  } catch (err) {
    if (!(err instanceof UserErrors)) throw err;
    userErrors = err.errors.map((e) => {
      if (!isIdentityErrorCode(e.code)) throw new Error(`identity: undeclared user error code ${e.code}`);
      return { code: e.code, message: e.message, field: e.field };
    });
  }
  const result: Record<string, unknown> = { [key]: value, userErrors };
  return result as Record<K, T | null> & { userErrors: IdentityUserError[] };
}
