import { PERMISSIONS, ROLES } from '@tradegraph/shared';
import { describe, expect, it } from 'vitest';
import { canGrantRole, outranks, permissionsFor, permissionsForScopes } from './roles.ts';

describe('role permissions', () => {
  it('OWNER has every permission but platform:admin, except on the platform organisation', () => {
    expect(permissionsFor('OWNER', 'BRAND').sort()).toEqual(
      PERMISSIONS.filter((p) => p !== 'platform:admin').sort(),
    );
    expect(permissionsFor('OWNER', 'PLATFORM')).toContain('platform:admin');
    expect(permissionsFor('ADMIN', 'PLATFORM')).toContain('platform:admin');
    expect(permissionsFor('MANAGER', 'PLATFORM')).not.toContain('platform:admin');
  });

  it('ADMIN lacks billing:manage; VIEWER only reads; STAFF cannot invite or manage keys', () => {
    expect(permissionsFor('ADMIN', 'BRAND')).not.toContain('billing:manage');
    expect(permissionsFor('VIEWER', 'BRAND').every((p) => p.endsWith(':read'))).toBe(true);
    const staff = permissionsFor('STAFF', 'RETAILER');
    expect(staff).not.toContain('members:invite');
    expect(staff).not.toContain('apikeys:manage');
    expect(staff).toContain('storefronts:write');
  });

  it('a role grants only roles below its own, except OWNER who grants any', () => {
    for (const target of ROLES) expect(canGrantRole('OWNER', target)).toBe(true);
    expect(canGrantRole('ADMIN', 'OWNER')).toBe(false);
    expect(canGrantRole('ADMIN', 'ADMIN')).toBe(false);
    expect(canGrantRole('ADMIN', 'MANAGER')).toBe(true);
    expect(canGrantRole('STAFF', 'VIEWER')).toBe(true);
    expect(canGrantRole('VIEWER', 'VIEWER')).toBe(false);
    expect(outranks('MANAGER', 'ADMIN')).toBe(false);
    expect(outranks('OWNER', 'OWNER')).toBe(true);
  });

  it('API-key scopes map to permissions without duplicates; write scopes include their reads', () => {
    const perms = permissionsForScopes(['CATALOG_READ', 'CATALOG_WRITE']);
    expect(perms.sort()).toEqual(['catalog:read', 'catalog:write', 'org:read']);
    expect(permissionsForScopes(['INVENTORY_WRITE'])).toContain('offers:write');
    expect(permissionsForScopes([])).toEqual([]);
  });
});
