import { UserErrors, userError } from '@tradegraph/shared';
import type { RetailerErrorCode, RetailerUserError } from '../generated/resolvers.ts';

/**
 * The retailer's expected failures, typed by the SDL's RetailerErrorCode: a
 * code the schema does not declare is a compile error here, and so is one the
 * schema declares but this record lacks.
 */
const CODES: Record<RetailerErrorCode, true> = {
  REQUIRED: true,
  TOO_LONG: true,
  INVALID_SLUG: true,
  SLUG_RESERVED: true,
  SLUG_TAKEN: true,
  INVALID_CURRENCY: true,
  INVALID_MARKUP: true,
  STOREFRONT_NOT_FOUND: true,
  VARIANT_NOT_FOUND: true,
  VARIANT_INACTIVE: true,
  BRAND_NOT_CONNECTED: true,
  ALREADY_LISTED: true,
  PRICE_CONFLICT: true,
  INVALID_MONEY: true,
  INVALID_PRICE: true,
  CURRENCY_MISMATCH: true,
  MSRP_UNAVAILABLE: true,
  NO_WHOLESALE_PRICE: true,
  LISTING_NOT_FOUND: true,
  LISTING_UNAVAILABLE: true,
  OUT_OF_STOCK: true,
  INVALID_QUANTITY: true,
  CART_FULL: true,
  LINE_NOT_FOUND: true,
  CART_CHECKED_OUT: true,
};

function isRetailerErrorCode(code: string): code is RetailerErrorCode {
  return Object.hasOwn(CODES, code);
}

/** Throws one expected failure (the unit rolls back; the payload carries it in `userErrors`). */
export const fail = (code: RetailerErrorCode, message: string, field?: string | string[]): never => {
  throw new UserErrors([userError(code, message, field)]);
};

/**
 * The payload of a retailer mutation: the result under `key` with no
 * userErrors, or null and the user errors. A code outside RetailerErrorCode is
 * a bug and fails the request (INTERNAL) rather than reaching a client.
 */
export async function retailerPayload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<Record<K, T | null> & { userErrors: RetailerUserError[] }> {
  let value: T | null = null;
  let userErrors: RetailerUserError[] = [];
  try {
    value = await run();
  } catch (err) {
    if (!(err instanceof UserErrors)) throw err;
    userErrors = err.errors.map((e) => {
      if (!isRetailerErrorCode(e.code)) throw new Error(`retailer: undeclared user error code ${e.code}`);
      return { code: e.code, message: e.message, field: e.field };
    });
  }
  const result: Record<string, unknown> = { [key]: value, userErrors };
  return result as Record<K, T | null> & { userErrors: RetailerUserError[] };
}
