import { newId, tenantKeyOf } from '@tradegraph/shared';
import {
  ADDRESS,
  errorCode,
  member,
  orgId,
  startHarness as startServiceHarness,
  waitFor,
} from '@tradegraph/testing';
import { start } from '../src/service.ts';

/**
 * Supplier's test harness on @tradegraph/testing: the supplier service on
 * fresh databases, plus what only supplier tests need: identity's partner
 * connections and catalog's products, simulated by their events.
 */
export async function startHarness(env: Record<string, string> = {}) {
  const h = await startServiceHarness({ name: 'supplier', start, env });

  const connections = new Map<string, string>();
  /** Simulates identity: a connection between a supplier and a brand or retailer reaching `status`. */
  const connect = async (
    supplierId: string,
    partnerId: string,
    partnerKind: 'BRAND' | 'RETAILER',
    opts: { scopes?: string[]; status?: 'ACTIVE' | 'REVOKED' | 'PENDING' } = {},
  ) => {
    const pair = `${supplierId}|${partnerId}`;
    const connectionId = connections.get(pair) ?? newId('con');
    connections.set(pair, connectionId);
    const status = opts.status ?? 'ACTIVE';
    const scopes =
      opts.scopes ?? (partnerKind === 'BRAND' ? ['CATALOG_READ', 'FULFILL_ORDERS'] : ['FULFILL_ORDERS']);
    const payload = {
      connectionId,
      requesterId: partnerId,
      requesterKind: partnerKind,
      partnerId: supplierId,
      partnerKind: 'SUPPLIER' as const,
      scopes,
      status,
    };
    const meta = { aggregateId: connectionId, orgId: partnerId, source: 'identity' };
    if (status === 'ACTIVE') await h.deliver('identity.connection.accepted', payload, meta);
    else if (status === 'PENDING') await h.deliver('identity.connection.requested', payload, meta);
    else {
      await h.deliver(
        'identity.connection.revoked',
        { ...payload, revokedByOrganizationId: partnerId },
        meta,
      );
      // identity opens a new connection after a revocation
      connections.delete(pair);
    }
    return connectionId;
  };

  /** Simulates catalog: a product of `brandId` with `count` variants in `status`. */
  const product = async (
    brandId: string,
    opts: {
      count?: number;
      status?: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
      productId?: string;
      variantIds?: string[];
    } = {},
  ) => {
    const brandKey = tenantKeyOf(brandId);
    const productId = opts.productId ?? newId('prd', brandKey);
    const variantIds =
      opts.variantIds ?? Array.from({ length: opts.count ?? 1 }, () => newId('var', brandKey));
    const status = opts.status ?? 'ACTIVE';
    await h.deliver(
      'catalog.product.changed',
      {
        productId,
        brandId,
        name: `Product ${productId.slice(-6)}`,
        status,
        variants: variantIds.map((variantId, i) => ({
          variantId,
          sku: `SKU-${variantId.slice(-8)}-${i}`,
          gtin: null,
          options: [],
          msrpMinor: '1999',
          currencyCode: 'EUR',
        })),
      },
      { aggregateId: productId, orgId: brandId, source: 'catalog' },
    );
    return { productId, variantIds };
  };

  return { ...h, member, orgId, connect, product };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export { ADDRESS, errorCode, waitFor };
