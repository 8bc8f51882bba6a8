import { CONNECTION_EVENT_TYPES } from '@tradegraph/contracts';
import { type Kernel, provisionTenantOn } from '@tradegraph/shared';
import { type HandlerMap, handleEach } from '@tradegraph/shared/events';
import {
  onOrderPlaced,
  onOrderStatusChanged,
  onReleaseRequested,
  onReservationRequested,
} from '../domain/fulfillment.ts';
import { partnerAccessUpdate, productVariantUpdates } from '../domain/projections.ts';
import type { SupplierServices } from '../services.ts';
import {
  lockPartnerAccess,
  lockProductVariants,
  markVariantsRemoved,
  saveCatalogVariant,
  savePartnerAccess,
} from '../store/projections.ts';

/**
 * What the supplier service reacts to. Each handler runs in one transaction
 * on the service database together with the consumer's dedupe row, so an
 * event is applied once; the decisions (domain/projections.ts) ignore
 * anything older than what a row already reflects, so the projections
 * converge whatever order events arrive in.
 */
export function supplierHandlers(kernel: Kernel, services: SupplierServices): HandlerMap {
  return {
    // a supplier's tenant database exists as soon as the organisation does
    'identity.organization.created': provisionTenantOn({ kernel }, ['SUPPLIER']),
    // partner_access: connections with a supplier on one side
    ...handleEach(CONNECTION_EVENT_TYPES, async (em, e) => {
      const update = partnerAccessUpdate(
        await lockPartnerAccess(em, e.payload.connectionId),
        e.payload,
        e.occurredAt,
      );
      if (update) await savePartnerAccess(em, update);
    }),
    // catalog_variants: every variant of the product as of the event
    'catalog.product.changed': async (em, e) => {
      const stored = await lockProductVariants(em, e.payload.productId);
      const { save, remove } = productVariantUpdates(stored, e.payload, e.occurredAt);
      for (const row of save) await saveCatalogVariant(em, row);
      await markVariantsRemoved(em, remove, new Date(e.occurredAt));
    },
    // The order saga (domain/fulfillment.ts). Each step is its own unit of work on the supplier's
    // tenant, committed before this dedupe row: a redelivery after a crash in between finds the
    // group's saga state already set and only repeats the reply.
    'orders.reservation.requested': (_em, e) =>
      onReservationRequested(kernel, services, e.payload).then(() => {}),
    'orders.reservation.release-requested': (_em, e) => onReleaseRequested(kernel, services, e.payload),
    'orders.order.placed': (_em, e) => onOrderPlaced(kernel, services, e.payload),
    'orders.order.status-changed': (_em, e) => onOrderStatusChanged(kernel, services, e.payload),
  };
}
