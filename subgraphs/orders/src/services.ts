import type { ServiceContext } from '@tradegraph/shared';
import type { OrdersConfig } from './config.ts';

/** The service's long-lived collaborators, reached through `ctx.services`. */
export interface OrdersServices {
  config: OrdersConfig;
}

/** What every resolver and domain function of this subgraph receives (the kernel's context). */
export type OrdersContext = ServiceContext<OrdersServices>;
