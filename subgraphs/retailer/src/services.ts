import type { ServiceContext } from '@tradegraph/shared';
import type { RetailerConfig } from './config.ts';
import type { StorefrontDirectory } from './store/directory.ts';

/** Long-lived collaborators of the retailer service, shared by all requests and event handlers. */
export interface RetailerServices {
  config: RetailerConfig;
  /** slug → storefront, with its in-memory cache (domain/directory.ts). */
  directory: StorefrontDirectory;
}

/** What every resolver, domain function and handler of the retailer receives (the kernel's context). */
export type RetailerContext = ServiceContext<RetailerServices>;

/** A reference to an entity another subgraph owns (ProductVariant, Organization): its id is all retailer needs. */
export interface EntityRef {
  id: string;
}
