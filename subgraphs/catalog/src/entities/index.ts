import { Tenant } from '@tradegraph/shared';
import { OutboxMessage } from '@tradegraph/shared/events';
import { ListingProjection, PartnerAccess, StorefrontProjection } from './projections.ts';
import { Category, Product, tenantEntities, Variant } from './tenant.ts';

export type * from './projections.ts';
export type * from './tenant.ts';
export { Category, ListingProjection, PartnerAccess, Product, StorefrontProjection, Variant };

/** Entities of the service database; tenant entities are registered too (schema '*'), used through tenant forks. */
export const entities = [
  Tenant,
  OutboxMessage,
  PartnerAccess,
  ListingProjection,
  StorefrontProjection,
  ...tenantEntities,
];
export { tenantEntities };
