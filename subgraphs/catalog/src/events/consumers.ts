import { CONNECTION_EVENT_TYPES } from '@tradegraph/contracts';
import { type Kernel, provisionTenantOn, recordCacheInvalidations } from '@tradegraph/shared';
import { type HandlerMap, handleEach } from '@tradegraph/shared/events';
import {
  accessSupersedes,
  listingOf,
  listingSupersedes,
  partnerAccessOf,
  storefrontOf,
  storefrontSupersedes,
} from '../domain/projections.ts';
import { upsertListing, upsertPartnerAccess, upsertStorefront } from '../store/projections.ts';
import { refreshPublicVariants } from '../store/visibility.ts';
import { listedVariantChanged } from './cache-invalidations.ts';

/**
 * What catalog reacts to (consumer group `catalog`). Each handler runs in one
 * transaction on the service database with the processed-event record, so a
 * redelivery is a no-op; each projection takes an event only when it is newer
 * than what the row reflects (domain/projections.ts), so the rows converge
 * whatever order events arrive in.
 */
export function catalogConsumers(kernel: Kernel): HandlerMap {
  const log = kernel.logger;
  return {
    /** A brand's database exists as soon as the brand does (writes also provision it if this is late). */
    'identity.organization.created': provisionTenantOn({ kernel }, ['BRAND']),
    ...handleEach(CONNECTION_EVENT_TYPES, async (em, e) => {
      const values = partnerAccessOf(e.payload, new Date(e.occurredAt));
      if (!values) return;
      // a connection's sides never change: its brand and partner are the row's
      if (
        await upsertPartnerAccess(em, e.payload.connectionId, values, (row) => accessSupersedes(row, values))
      )
        await refreshPublicVariants(em, { retailerId: values.partnerId, brandId: values.brandId });
    }),
    'retailer.listing.changed': async (em, e) => {
      const values = listingOf(e.payload, new Date(e.occurredAt));
      if (!values) {
        log.warn(
          { eventId: e.id, variantId: e.payload.variantId, brandId: e.payload.brandId },
          'listing of a variant that is not the brand’s ignored',
        );
        return;
      }
      // whether the row showed the variant before, when the event applies (a listing's variant never changes)
      let shown: boolean | undefined;
      const applied = await upsertListing(em, e.payload.listingId, values, (row) => {
        const applies = listingSupersedes(row, values);
        if (applies) shown = !!row && row.visible && !row.removed;
        return applies;
      });
      if (applied) await refreshPublicVariants(em, { variantIds: [values.variantId] });
      // a new price or title changes nothing here; a flip of public visibility does
      if (shown !== undefined && shown !== (values.visible && !values.removed)) {
        recordCacheInvalidations(em, await listedVariantChanged(em, kernel, values.variantId));
      }
    },
    'retailer.storefront.changed': async (em, e) => {
      const values = storefrontOf(e.payload, new Date(e.occurredAt));
      if (
        await upsertStorefront(em, e.payload.storefrontId, values, (row) => storefrontSupersedes(row, values))
      )
        await refreshPublicVariants(em, { storefrontId: e.payload.storefrontId });
    },
  };
}
