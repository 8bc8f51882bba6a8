import type { ServiceContext, TenantInfo, UnitContext } from '@tradegraph/shared';
import type { CatalogConfig } from './config.ts';

/** Long-lived collaborators of the catalog service, shared by all requests. */
export interface CatalogServices {
  config: CatalogConfig;
}

/** What every catalog resolver, domain function and store function receives (see the kernel's ServiceContext). */
export type CatalogContext = ServiceContext<CatalogServices>;

/** A context bound to one brand's database (inside a write, the transaction's). */
export type BrandContext = CatalogContext & { tenant: TenantInfo };

/** A write's context on the acting brand's database: `em` is the transaction's, `publish` its outbox. */
export type BrandTx = UnitContext<CatalogServices> & { tenant: TenantInfo };

/** The brand database `ctx` is bound to (a programming error when it is bound to the service database). */
export function onBrand<C extends CatalogContext>(ctx: C): C & { tenant: TenantInfo } {
  const tenant = ctx.tenant;
  if (!tenant)
    throw new Error('catalog: a brand database was expected, the context is on the service database');
  return { ...ctx, tenant };
}
