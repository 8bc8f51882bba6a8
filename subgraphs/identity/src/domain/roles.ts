import { type ApiKeyScope, PERMISSIONS, type Permission, type Role } from '@tradegraph/shared';

/**
 * Which permissions each membership role grants. OWNER has everything; ADMIN
 * everything but billing; MANAGER runs the business day to day including
 * partner connections; STAFF does catalog, stock, storefront and order work;
 * VIEWER only reads. `platform:admin` is for PLATFORM organisations' OWNER and ADMIN.
 */
const READ: Permission[] = [
  'org:read',
  'members:read',
  'connections:read',
  'catalog:read',
  'inventory:read',
  'storefronts:read',
  'orders:read',
  'billing:read',
];

const ROLE_PERMISSIONS: Record<Role, Permission[]> = {
  OWNER: PERMISSIONS.filter((p) => p !== 'platform:admin'),
  ADMIN: PERMISSIONS.filter((p) => p !== 'platform:admin' && p !== 'billing:manage'),
  MANAGER: [
    ...READ,
    'members:invite',
    'connections:manage',
    'apikeys:read',
    'catalog:write',
    'catalog:publish',
    'inventory:write',
    'offers:write',
    'storefronts:write',
    'orders:manage',
  ],
  STAFF: [...READ, 'catalog:write', 'inventory:write', 'storefronts:write', 'orders:manage'],
  VIEWER: READ,
};

export function permissionsFor(role: Role, organizationKind: string): Permission[] {
  const base = ROLE_PERMISSIONS[role];
  if (organizationKind === 'PLATFORM' && (role === 'OWNER' || role === 'ADMIN'))
    return [...base, 'platform:admin'];
  return [...base];
}

/** Roles are ordered; a member may grant or change only roles below their own (an OWNER may grant OWNER). */
const RANK: Record<Role, number> = { OWNER: 5, ADMIN: 4, MANAGER: 3, STAFF: 2, VIEWER: 1 };

export function canGrantRole(actor: Role, target: Role): boolean {
  return actor === 'OWNER' || RANK[actor] > RANK[target];
}

export function outranks(actor: Role, other: Role): boolean {
  return actor === 'OWNER' || RANK[actor] > RANK[other];
}

/** What an API key with these scopes may do. */
const SCOPE_PERMISSIONS: Record<ApiKeyScope, Permission[]> = {
  CATALOG_READ: ['org:read', 'catalog:read'],
  CATALOG_WRITE: ['org:read', 'catalog:read', 'catalog:write'],
  INVENTORY_READ: ['org:read', 'inventory:read'],
  INVENTORY_WRITE: ['org:read', 'inventory:read', 'inventory:write', 'offers:write'],
  ORDERS_READ: ['org:read', 'orders:read'],
  ORDERS_WRITE: ['org:read', 'orders:read', 'orders:manage'],
  STOREFRONTS_READ: ['org:read', 'storefronts:read'],
  STOREFRONTS_WRITE: ['org:read', 'storefronts:read', 'storefronts:write'],
};

export function permissionsForScopes(scopes: ApiKeyScope[]): Permission[] {
  return [...new Set(scopes.flatMap((s) => SCOPE_PERMISSIONS[s]))];
}
