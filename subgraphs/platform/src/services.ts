import type { EntityManager, ServiceContext } from '@tradegraph/shared';
import type { EventType, PayloadOf } from '@tradegraph/shared/events';
import type { PlatformConfig } from './config.ts';

/** The service's long-lived collaborators, reached through `ctx.services`. */
export interface PlatformServices {
  config: PlatformConfig;
}

/** What every resolver and domain function of this subgraph receives (the kernel's context). */
export type PlatformContext = ServiceContext<PlatformServices>;

/**
 * What domain code that writes events needs of its unit of work: the
 * transaction and its outbox. A kernel `write` unit is one; so is an event
 * handler's or the CLI's transaction (store/outbox.ts).
 */
export interface OutboxUnit {
  em: EntityManager;
  publish<T extends EventType>(
    type: T,
    event: { aggregateId: string; payload: PayloadOf<T>; orgId?: string | null },
  ): unknown;
}

/** A reference to an entity another subgraph owns. */
export interface EntityRef {
  id: string;
}
