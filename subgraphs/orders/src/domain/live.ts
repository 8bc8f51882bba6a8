import type { OrderStatusChangedPayload } from '@tradegraph/contracts';
import type { Principal } from '@tradegraph/shared';
import { listScopeOf } from './access.ts';

/**
 * Who receives which live status change (docs/orders.md, Visibility): the event
 * carries the retailer, customer, brand and supplier ids, so the decision needs
 * no lookup. `order` is the one order the subscriber asked for (already checked
 * visible to it, e.g. a guest's token); null for every order it may see.
 */
export function statusChangeFilter(
  principal: Principal,
  order: string | null,
): ((e: OrderStatusChangedPayload) => boolean) | null {
  if (order) return (e) => e.orderId === order;
  const viewer = listScopeOf(principal);
  if (!viewer) return null;
  const id = viewer.id;
  switch (viewer.by) {
    case 'retailer':
      return (e) => e.retailerId === id;
    case 'customer':
      return (e) => e.customerId === id;
    case 'supplier':
      return (e) => e.supplierIds.includes(id);
    case 'brand':
      return (e) => e.brandIds.includes(id);
  }
}
