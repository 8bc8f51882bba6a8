import { hasPermission, type OrganizationKind } from '@tradegraph/shared';
import type { CatalogContext } from '../services.ts';
import { partnerBrandIdsOf } from '../store/visibility.ts';
import type { AccessLevel } from './nodes.ts';

/**
 * Who sees what (docs/network.md): a brand's own members with catalog:read see
 * everything of their brand (OWNER); an organisation with an ACTIVE connection
 * to the brand carrying CATALOG_READ sees its ACTIVE products (PARTNER);
 * anonymous shoppers and customers see ACTIVE variants that are publicly
 * listed — on a published storefront of a retailer whose connection to the
 * brand is ACTIVE with SELL_PRODUCTS — and their products (PUBLIC); anyone
 * else (an organisation without such a connection) sees nothing of the brand.
 * Decided from this service's projections of identity and retailer events,
 * never by calling them.
 */

export interface Viewer {
  organizationId: string | null;
  organizationKind: OrganizationKind | null;
  /** Holds catalog:read for its organisation (members and API keys). */
  canRead: boolean;
}

export function viewerOf(ctx: CatalogContext): Viewer {
  const p = ctx.principal;
  if (p.kind === 'user' || p.kind === 'apiKey') {
    return {
      organizationId: p.organizationId,
      organizationKind: p.organizationKind,
      canRead: hasPermission(p, 'catalog:read'),
    };
  }
  return { organizationId: null, organizationKind: null, canRead: false };
}

/** Brands the viewer's organisation may read as a partner (ACTIVE connection with CATALOG_READ). */
export async function partnerBrandIds(ctx: CatalogContext): Promise<Set<string>> {
  const viewer = viewerOf(ctx);
  if (!viewer.organizationId || !viewer.canRead) return new Set();
  return partnerBrandIdsOf(ctx, viewer.organizationId);
}

/** Principals that act for no organisation (anonymous, customers): the shoppers. */
export function isShopper(viewer: Viewer): boolean {
  return viewer.organizationId === null;
}

/** The viewer's access level to one brand, given the partner brands (see partnerBrandIds); null: nothing. */
export function levelFor(viewer: Viewer, brandId: string, partners: Set<string>): AccessLevel | null {
  if (viewer.canRead && viewer.organizationId === brandId) return 'OWNER';
  if (partners.has(brandId)) return 'PARTNER';
  return isShopper(viewer) ? 'PUBLIC' : null;
}

/** The viewer's access level to each brand (one query at most). */
export async function levelsFor(
  ctx: CatalogContext,
  brandIds: Iterable<string>,
): Promise<Map<string, AccessLevel | null>> {
  const viewer = viewerOf(ctx);
  const ids = [...new Set(brandIds)];
  const needsPartners = ids.some((b) => !(viewer.canRead && viewer.organizationId === b));
  const partners = needsPartners ? await partnerBrandIds(ctx) : new Set<string>();
  return new Map(ids.map((b) => [b, levelFor(viewer, b, partners)] as const));
}
