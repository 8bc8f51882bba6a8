import { failWith, UserErrors, userError } from '@tradegraph/shared';
import type { OrdersErrorCode } from '../generated/resolvers.ts';

/** Raises an expected failure (a `userErrors` entry); a code the schema does not declare is a compile error. */
export const fail = (code: OrdersErrorCode, message: string, field?: string | string[]): never =>
  failWith(code, message, field);

/** Raises several expected failures at once (e.g. every line whose price changed). */
export function failAll(errors: { code: OrdersErrorCode; message: string; field?: string[] }[]): never {
  throw new UserErrors(errors.map((e) => userError(e.code, e.message, e.field)));
}
