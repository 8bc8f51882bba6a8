import type { ServiceContext } from '@tradegraph/shared';
import type { NotificationsConfig } from './config.ts';

/** The service's long-lived collaborators, reached through `ctx.services`. */
export interface NotificationsServices {
  config: NotificationsConfig;
}

/** What every resolver and domain function of this subgraph receives (the kernel's context). */
export type NotificationsContext = ServiceContext<NotificationsServices>;
