import type { Principal, ReadContext, ServiceContext, TenantInfo, UnitContext } from '@tradegraph/shared';
import type { SupplierConfig } from './config.ts';

/** The supplier service's own long-lived collaborators (the kernel carries the rest). */
export interface SupplierServices {
  config: SupplierConfig;
}

/** What every resolver and domain function of the supplier receives. */
export type SupplierContext = ServiceContext<SupplierServices>;
/** Inside a `write`: the transaction's `em` (bound to the supplier's tenant database) and its outbox. */
export type SupplierUnit = UnitContext<SupplierServices>;
/** Inside a `read`: `em` bound to the caller's tenant database. */
export type SupplierRead = ReadContext<SupplierServices>;

/** The tenant a context is bound to; a programming error to ask it of a service-database context. */
export function tenantOf(ctx: SupplierContext): TenantInfo {
  if (!ctx.tenant) throw new Error('supplier: this needs a context bound to a supplier tenant database');
  return ctx.tenant;
}

/** A reference to an entity another subgraph owns (ProductVariant, Organization): its id is all supplier needs. */
export interface EntityRef {
  id: string;
}

/** Who acts, for the stock movement log: a user, an API key, or the service itself. */
export function actorOf(p: Principal): { kind: 'USER' | 'API_KEY' | 'SYSTEM'; id: string | null } {
  if (p.kind === 'user') return { kind: 'USER', id: p.userId };
  if (p.kind === 'apiKey') return { kind: 'API_KEY', id: p.apiKeyId };
  return { kind: 'SYSTEM', id: null };
}
