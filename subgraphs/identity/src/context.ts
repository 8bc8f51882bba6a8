import type { EntityManager, RequestContext } from '@tradegraph/shared';
import type { IdentityConfig } from './config.ts';
import type { KeyStore } from './domain/signing-keys.ts';

/** Long-lived collaborators of the identity service, shared by all requests. */
export interface IdentityServices {
  config: IdentityConfig;
  keys: KeyStore;
  /** Wakes the outbox relay after a transaction that wrote events committed. */
  afterCommit: () => void;
}

export interface IdentityContext extends RequestContext {
  /** This request's EntityManager (a fork; inside `inTransaction`, the transaction's). */
  em: EntityManager;
  services: IdentityServices;
}

/**
 * Runs `fn` in one transaction on a context whose `em` is the transaction's,
 * so state changes and their outbox events commit together; then wakes the relay.
 */
export async function inTransaction<T>(
  ctx: IdentityContext,
  fn: (tx: IdentityContext) => Promise<T>,
): Promise<T> {
  const result = await ctx.em.transactional((em) => fn({ ...ctx, em: em as EntityManager }));
  ctx.services.afterCommit();
  return result;
}

export function eventContext(ctx: IdentityContext) {
  return {
    source: 'identity',
    requestId: ctx.requestId,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
  };
}
