import type { OrderStatusChangedPayload } from '@tradegraph/contracts';
import type { LiveEntry, LiveFeed, ServiceContext } from '@tradegraph/shared';
import type { OrdersConfig } from './config.ts';
import type { OrderView } from './domain/access.ts';
import type { GroupRecord } from './store/orders.ts';

/** The service's long-lived collaborators, reached through `ctx.services`. */
export interface OrdersServices {
  config: OrdersConfig;
  /** Status changes for `orderStatusChanged` subscribers of this process (fed by the `orders-live` consumer). */
  live: LiveFeed<OrderStatusChangedPayload>;
}

/** One buffered status change, as `orderStatusChanged` receives it. */
export type StatusChangeEntry = LiveEntry<OrderStatusChangedPayload>;

/** What every resolver and domain function of this subgraph receives (the kernel's context). */
export type OrdersContext = ServiceContext<OrdersServices>;

/** A reference to an entity another subgraph owns. */
export interface EntityRef {
  id: string;
}

/** A fulfilment group with the order view it was reached through (its lines are filtered by the view's scope). */
export interface GroupView {
  group: GroupRecord;
  view: OrderView;
}
