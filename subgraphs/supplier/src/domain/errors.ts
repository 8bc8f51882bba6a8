import { DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';
import { RetryableConflict, UserErrors, userError } from '@tradegraph/shared';
import type { SupplierErrorCode, SupplierUserError } from '../generated/resolvers.ts';

/**
 * The supplier's expected failures, typed by the SDL's SupplierErrorCode: a
 * code the schema does not declare is a compile error, and so is one the
 * schema declares but this record lacks.
 */
const CODES: Record<SupplierErrorCode, true> = {
  VARIANT_NOT_FOUND: true,
  VARIANT_NOT_ACTIVE: true,
  NO_FULFILLMENT_ACCESS: true,
  OUT_OF_STOCK: true,
  CONFLICT: true,
  INVALID_MONEY: true,
  INVALID_PRICE: true,
  INVALID_MINIMUM_ORDER_QUANTITY: true,
  INVALID_LEAD_TIME: true,
  OFFER_INACTIVE: true,
  INVALID_QUANTITY: true,
  INVALID_REFERENCE: true,
  INVALID_REASON: true,
  INVALID_TTL: true,
  INVALID_LINES: true,
  DUPLICATE_LINE: true,
  DUPLICATE_RECEIPT: true,
  NEGATIVE_STOCK: true,
  BELOW_RESERVED: true,
  STOCK_LIMIT: true,
  WAREHOUSE_INACTIVE: true,
  RESERVATION_NOT_ACTIVE: true,
  RESERVATION_EXPIRED: true,
  INVALID_NAME: true,
  INVALID_CODE: true,
  CODE_TAKEN: true,
  INVALID_ADDRESS: true,
  GROUP_NOT_CONFIRMED: true,
  UNKNOWN_ORDER_LINE: true,
  EXCEEDS_REMAINING: true,
  SHIPMENT_NOT_SHIPPED: true,
  INVALID_CARRIER: true,
  INVALID_TRACKING_NUMBER: true,
};

function isSupplierErrorCode(code: string): code is SupplierErrorCode {
  return Object.hasOwn(CODES, code);
}

/** Throws one expected failure (the unit rolls back; the payload carries it in `userErrors`). */
export const fail = (code: SupplierErrorCode, message: string, field?: string | string[]): never => {
  throw new UserErrors([userError(code, message, field)]);
};

/** A user error of the unit of work's `uniqueKeys`, typed. */
export const uniqueKeyError = (code: SupplierErrorCode, message: string, field: string) => ({
  code,
  message,
  field,
});

/**
 * The payload of a supplier mutation: the result under `key` with no
 * userErrors, or null and the user errors. A unit that still lost its race
 * after every attempt (stock changing very fast) is the temporary CONFLICT; a
 * code outside SupplierErrorCode is a bug and fails the request (INTERNAL).
 */
export async function supplierPayload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<Record<K, T | null> & { userErrors: SupplierUserError[] }> {
  let value: T | null = null;
  let userErrors: SupplierUserError[] = [];
  try {
    value = await run();
  } catch (err) {
    if (
      err instanceof RetryableConflict ||
      err instanceof DeadlockException ||
      err instanceof LockWaitTimeoutException
    ) {
      userErrors = [
        { code: 'CONFLICT', message: 'Stock is changing too quickly; please try again', field: null },
      ];
    } else if (err instanceof UserErrors) {
      userErrors = err.errors.map((e) => {
        if (!isSupplierErrorCode(e.code)) throw new Error(`supplier: undeclared user error code ${e.code}`);
        return { code: e.code, message: e.message, field: e.field };
      });
    } else throw err;
  }
  const result: Record<string, unknown> = { [key]: value, userErrors };
  return result as Record<K, T | null> & { userErrors: SupplierUserError[] };
}
