import { Tenant } from '@tradegraph/shared';
import { OutboxMessage } from '@tradegraph/shared/events';
import { OfferIndex, ReservationExpiry, StockSummary } from './indexes.ts';
import { CatalogVariant, PartnerAccess } from './projections.ts';
import { InventoryLevel, Offer, Reservation, StockMovement, StockReceipt, Warehouse } from './tenant.ts';

export * from './indexes.ts';
export * from './projections.ts';
export * from './tenant.ts';

/** Entities of the service database. */
export const serviceEntities = [
  Tenant,
  OutboxMessage,
  PartnerAccess,
  CatalogVariant,
  OfferIndex,
  StockSummary,
  ReservationExpiry,
];

/** Entities of every supplier's tenant database (`schema: '*'`). */
export const tenantEntities = [Warehouse, Offer, InventoryLevel, StockMovement, Reservation, StockReceipt];

/** The service ORM knows both sets: tenant tables are reached through `em.fork({ schema })`. */
export const entities = [...serviceEntities, ...tenantEntities];
