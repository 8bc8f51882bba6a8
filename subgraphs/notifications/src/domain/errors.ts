import { failWith } from '@tradegraph/shared';
import type { NotificationsErrorCode } from '../generated/resolvers.ts';

/** Raises an expected failure (a `userErrors` entry); a code the schema does not declare is a compile error. */
export const fail = (code: NotificationsErrorCode, message: string, field?: string | string[]): never =>
  failWith(code, message, field);
