import { forbidden, unauthenticated } from '../graphql/errors.ts';

/**
 * Who is calling, as verified by the router and carried to subgraphs in the
 * internal token. Subgraphs take the tenant from here, never from arguments.
 */

export const ORGANIZATION_KINDS = ['BRAND', 'SUPPLIER', 'RETAILER', 'PLATFORM'] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

export const ROLES = ['OWNER', 'ADMIN', 'MANAGER', 'STAFF', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The permission vocabulary every subgraph checks against. Which role grants
 * which permission is identity's decision (subgraphs/identity/src/domain/roles.ts);
 * the router copies the granted set into the internal token.
 */
export const PERMISSIONS = [
  'org:read',
  'org:manage',
  'members:read',
  'members:invite',
  'members:manage',
  'connections:read',
  'connections:manage',
  'apikeys:read',
  'apikeys:manage',
  'catalog:read',
  'catalog:write',
  'catalog:publish',
  'inventory:read',
  'inventory:write',
  'offers:write',
  'storefronts:read',
  'storefronts:write',
  'orders:read',
  'orders:manage',
  'billing:read',
  'billing:manage',
  'platform:admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** API-key scopes partner apps may be granted; each maps onto a set of permissions. */
export const API_KEY_SCOPES = [
  'CATALOG_READ',
  'CATALOG_WRITE',
  'INVENTORY_READ',
  'INVENTORY_WRITE',
  'ORDERS_READ',
  'ORDERS_WRITE',
  'STOREFRONTS_READ',
  'STOREFRONTS_WRITE',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: string;
      organizationId: string | null;
      organizationKind: OrganizationKind | null;
      role: Role | null;
      permissions: Permission[];
    }
  | { kind: 'customer'; customerId: string }
  | {
      kind: 'apiKey';
      apiKeyId: string;
      organizationId: string;
      organizationKind: OrganizationKind;
      permissions: Permission[];
    }
  /** The router itself, for infrastructure calls such as API-key introspection. */
  | { kind: 'router' };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The organisation the principal acts for, or null. */
export function actingOrganizationId(p: Principal): string | null {
  return p.kind === 'user' || p.kind === 'apiKey' ? p.organizationId : null;
}

export function hasPermission(p: Principal, permission: Permission): boolean {
  return (p.kind === 'user' || p.kind === 'apiKey') && p.permissions.includes(permission);
}

/** The acting organisation of a user or API key holding `permission`; throws UNAUTHENTICATED / FORBIDDEN. */
export function requirePermission(
  p: Principal,
  permission: Permission,
): { organizationId: string; organizationKind: OrganizationKind } {
  if (p.kind === 'anonymous' || p.kind === 'router') throw unauthenticated();
  if (p.kind === 'customer') throw forbidden('Customers cannot do this');
  if (!p.organizationId || !p.organizationKind) throw forbidden('You do not act for an organisation');
  if (!p.permissions.includes(permission)) throw forbidden(`Missing permission ${permission}`);
  return { organizationId: p.organizationId, organizationKind: p.organizationKind };
}

/** The signed-in user, or UNAUTHENTICATED. */
export function requireUser(p: Principal): Extract<Principal, { kind: 'user' }> {
  if (p.kind !== 'user') throw unauthenticated();
  return p;
}
