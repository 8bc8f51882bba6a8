import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { OrderActor } from '@tradegraph/contracts';
import { hasPermission, type Principal } from '@tradegraph/shared';
import type { LineRecord, ListScope, OrderRecord } from '../store/orders.ts';

/**
 * Who sees what of an order (docs/orders.md, Visibility). The retailer sees
 * its orders whole (orders:read), a supplier the orders with a group routed
 * to it (only its lines), a brand the orders holding its products (only its
 * lines), a signed-in customer their own orders whole, a guest the one order
 * its access token opens. Nobody else sees anything.
 */

export type OrderScope = { kind: 'all' } | { kind: 'supplier'; id: string } | { kind: 'brand'; id: string };

/** An order as one viewer may see it: resolvers filter lines and fields by `scope`. */
export interface OrderView {
  order: OrderRecord;
  scope: OrderScope;
}

/** Who the principal is as a viewer of orders; null for someone who sees none without a token. */
export function listScopeOf(p: Principal): ListScope | null {
  if (p.kind === 'customer') return { by: 'customer', id: p.customerId };
  if ((p.kind === 'user' || p.kind === 'apiKey') && p.organizationId && hasPermission(p, 'orders:read')) {
    if (p.organizationKind === 'RETAILER') return { by: 'retailer', id: p.organizationId };
    if (p.organizationKind === 'SUPPLIER') return { by: 'supplier', id: p.organizationId };
    if (p.organizationKind === 'BRAND') return { by: 'brand', id: p.organizationId };
  }
  return null;
}

/** What of `order` the principal may see (with `accessToken` for a guest), or null. */
export function scopeOf(
  p: Principal,
  order: OrderRecord,
  lines: readonly LineRecord[],
  accessToken: string | null | undefined,
): OrderScope | null {
  const viewer = listScopeOf(p);
  if (viewer?.by === 'retailer' && order.retailerId === viewer.id) return { kind: 'all' };
  if (viewer?.by === 'customer' && order.customerId === viewer.id) return { kind: 'all' };
  if (viewer?.by === 'supplier' && lines.some((l) => l.supplierId === viewer.id))
    return { kind: 'supplier', id: viewer.id };
  if (viewer?.by === 'brand' && lines.some((l) => l.brandId === viewer.id))
    return { kind: 'brand', id: viewer.id };
  if (accessToken && tokenMatches(order.accessTokenHash, accessToken)) return { kind: 'all' };
  return null;
}

export function visibleLines<L extends LineRecord>(lines: readonly L[], scope: OrderScope): L[] {
  if (scope.kind === 'supplier') return lines.filter((l) => l.supplierId === scope.id);
  if (scope.kind === 'brand') return lines.filter((l) => l.brandId === scope.id);
  return [...lines];
}

/**
 * A guest's order-access token: an HMAC of the order id under the service
 * secret, so a retry with the same idempotency key can return it again; only
 * its SHA-256 is stored, and it is compared in constant time.
 */
export function accessTokenFor(secret: string, orderId: string): string {
  return `oat_${createHmac('sha256', secret).update(orderId).digest('base64url')}`;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function tokenMatches(storedHash: string | null, token: string): boolean {
  if (!storedHash || token.length > 200) return false;
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The actor a principal is in the status history. */
export function actorOf(p: Principal): OrderActor {
  if (p.kind === 'user') return { kind: 'USER', id: p.userId };
  if (p.kind === 'apiKey') return { kind: 'API_KEY', id: p.apiKeyId };
  if (p.kind === 'customer') return { kind: 'CUSTOMER', id: p.customerId };
  if (p.kind === 'router') return { kind: 'SYSTEM', id: null };
  return { kind: 'GUEST', id: null };
}
