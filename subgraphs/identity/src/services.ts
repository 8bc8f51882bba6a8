import type { Actor, ReadContext, ServiceContext, UnitContext } from '@tradegraph/shared';
import type { IdentityConfig } from './config.ts';
import type { KeyStore } from './domain/signing-keys.ts';
import type { RevocationFeed } from './events/revocation-feed.ts';

/** Long-lived collaborators of the identity service, shared by all requests. */
export interface IdentityServices {
  config: IdentityConfig;
  /** Signs access tokens and serves the JWKS (signing keys re-read every minute). */
  keys: KeyStore;
  /** Recent revocations of access, served to the routers (feed, Redis). */
  revocations: RevocationFeed;
}

/** What every identity resolver, domain function and store function receives (see the kernel's ServiceContext). */
export type IdentityContext = ServiceContext<IdentityServices>;

/** A write's context on the identity database: `em` is the transaction's, `publish` its outbox. */
export type IdentityTx = UnitContext<IdentityServices>;

/** A read's context with its permission checked. */
export type IdentityRead = ReadContext<IdentityServices>;

/** The acting organisation of a unit that declared a permission (a programming error on a 'public' unit). */
export function actingOrganization(cx: { actor: Actor | null }): Actor {
  if (!cx.actor)
    throw new Error('identity: this operation needs a permission-checked unit (no acting organisation)');
  return cx.actor;
}
