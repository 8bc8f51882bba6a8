import { type UserError, UserErrors, userError } from '@tradegraph/shared';
import type { CatalogErrorCode, CatalogUserError } from '../generated/resolvers.ts';

/**
 * The catalog's expected failures, typed by the SDL's CatalogErrorCode: a code
 * the schema does not declare is a compile error here, and one the schema
 * declares but this record lacks is one too.
 */
const CODES: Record<CatalogErrorCode, true> = {
  REQUIRED: true,
  TOO_LONG: true,
  INVALID_CHARACTERS: true,
  INVALID: true,
  TOO_MANY_OPTIONS: true,
  DUPLICATE_OPTION: true,
  OPTION_VALUES_REQUIRED: true,
  TOO_MANY_VALUES: true,
  DUPLICATE_OPTION_VALUE: true,
  UNKNOWN_OPTION: true,
  INVALID_OPTION_VALUE: true,
  MISSING_OPTION: true,
  INVALID_SKU: true,
  INVALID_GTIN: true,
  INVALID_MONEY: true,
  TOO_MANY_ATTRIBUTES: true,
  INVALID_ATTRIBUTE_TYPE: true,
  DUPLICATE_ATTRIBUTE: true,
  INVALID_ATTRIBUTE_VALUE: true,
  TOO_MANY_MEDIA: true,
  INVALID_URL: true,
  INVALID_POSITION: true,
  INVALID_SLUG: true,
  SLUG_TAKEN: true,
  CATEGORY_NOT_FOUND: true,
  TOO_DEEP: true,
  CATEGORY_CYCLE: true,
  CATEGORY_HAS_CHILDREN: true,
  CATEGORY_IN_USE: true,
  TOO_MANY_VARIANTS: true,
  DUPLICATE_SKU: true,
  DUPLICATE_GTIN: true,
  DUPLICATE_OPTIONS: true,
  OPTION_IN_USE: true,
  VARIANT_NOT_FOUND: true,
  DUPLICATE_VARIANT: true,
  LAST_VARIANT: true,
  NO_VARIANTS: true,
  ALREADY_ACTIVE: true,
  ALREADY_ARCHIVED: true,
};

function isCatalogErrorCode(code: string): code is CatalogErrorCode {
  return Object.hasOwn(CODES, code);
}

/** Throws one expected failure (rolled back; returned in `userErrors`). */
export const fail = (code: CatalogErrorCode, message: string, field?: string | string[]): never => {
  throw new UserErrors([userError(code, message, field)]);
};

/** A user error of the unit of work's `uniqueKeys`, typed. */
export const uniqueKeyError = (code: CatalogErrorCode, message: string, field: string) => ({
  code,
  message,
  field,
});

/** Collects every problem of an input, so a client learns them all at once; throws them as userErrors. */
export class Problems {
  readonly errors: UserError[] = [];
  add(code: CatalogErrorCode, message: string, field: (string | number)[]): void {
    this.errors.push(userError(code, message, field.map(String)));
  }
  get any(): boolean {
    return this.errors.length > 0;
  }
  throwIfAny(): void {
    if (this.errors.length) throw new UserErrors(this.errors);
  }
}

/**
 * The payload of a catalog mutation: the result under `key` with no
 * userErrors, or null and the user errors. A code outside CatalogErrorCode is
 * a bug and fails the request (INTERNAL) rather than reaching a client.
 */
export async function catalogPayload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<Record<K, T | null> & { userErrors: CatalogUserError[] }> {
  let value: T | null = null;
  let userErrors: CatalogUserError[] = [];
  try {
    value = await run();
  } catch (err) {
    if (!(err instanceof UserErrors)) throw err;
    userErrors = err.errors.map((e) => {
      if (!isCatalogErrorCode(e.code)) throw new Error(`catalog: undeclared user error code ${e.code}`);
      return { code: e.code, message: e.message, field: e.field };
    });
  }
  const result: Record<string, unknown> = { [key]: value, userErrors };
  return result as Record<K, T | null> & { userErrors: CatalogUserError[] };
}
