import { Tenant } from '@tradegraph/shared';
import { OutboxMessage } from '@tradegraph/shared/events';
import { Cart, CartLine } from './cart.ts';
import { Listing } from './listing.ts';
import { Storefront } from './storefront.ts';

export type { CartStatus } from './cart.ts';
export type { ListingStatus, PriceBasis, PricingMode } from './listing.ts';
export { Cart, CartLine, Listing, Storefront };

/** Tenant entities (schema '*', used through a fork on the tenant database). */
export const tenantEntities = [Storefront, Listing, Cart, CartLine];

/** Everything the service ORM maps: service tables plus the tenant entities it forks onto tenant databases. */
export const entities = [Tenant, OutboxMessage, ...tenantEntities];
