import { failWith } from '@tradegraph/shared';
import type { PlatformErrorCode } from '../generated/resolvers.ts';

/**
 * Raises an expected failure (a `userErrors` entry); a code the schema does not
 * declare is a compile error. A declaration (not an arrow) so that control flow
 * knows nothing follows it.
 */
export function fail(code: PlatformErrorCode, message: string, field?: string | string[]): never {
  return failWith(code, message, field);
}
