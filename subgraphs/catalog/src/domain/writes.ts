import {
  DeadlockException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { type Permission, UserErrors, userError } from '@tradegraph/shared';
import { type CatalogContext, inTenantTransaction, type TenantContext } from '../context.ts';
import { clearReadLoaders } from './reads.ts';
import { writableTenant } from './tenants.ts';

/** Unique keys of tenant tables → the user error a concurrent duplicate gets. */
const UNIQUE_KEYS: Record<string, [code: string, message: string, field: string]> = {
  variants_sku_uq: ['DUPLICATE_SKU', 'This SKU is already used by another variant of this brand', 'sku'],
  variants_gtin_uq: ['DUPLICATE_GTIN', 'This GTIN is already used by another variant of this brand', 'gtin'],
  variants_options_uq: [
    'DUPLICATE_OPTIONS',
    'Another variant of this product has the same option values',
    'options',
  ],
  categories_path_uq: ['SLUG_TAKEN', 'A category with this slug already exists under this parent', 'slug'],
};

/**
 * A catalog write: checks the permission, resolves (or provisions) the
 * principal's brand database and runs `fn` in one transaction there, with its
 * events in the outbox. A unique-key race that the domain's checks could not
 * see becomes a user error; the transaction is rolled back, nothing is written.
 */
export async function catalogWrite<T>(
  ctx: CatalogContext,
  permission: Permission,
  fn: (tx: TenantContext) => Promise<T>,
): Promise<T> {
  const tenant = await writableTenant(ctx, permission);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTenantTransaction(ctx, tenant, fn);
      } catch (err) {
        // InnoDB picked this transaction as a deadlock victim (it was rolled back): run it again
        const retryable = err instanceof DeadlockException || err instanceof LockWaitTimeoutException;
        if (!retryable || attempt >= 3) throw err;
        ctx.logger.warn({ err, attempt }, 'catalog write retried after a lock conflict');
        clearReadLoaders(ctx);
      }
    }
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      const key = Object.keys(UNIQUE_KEYS).find((k) => err.message.includes(k));
      if (key) {
        const [code, message, field] = UNIQUE_KEYS[key]!;
        throw new UserErrors([userError(code, message, field)]);
      }
    }
    throw err;
  } finally {
    clearReadLoaders(ctx);
  }
}
