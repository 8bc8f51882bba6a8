import {
  newId,
  type OrganizationKind,
  PERMISSIONS,
  type Permission,
  type Principal,
  type Role,
} from '@tradegraph/shared';

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** A fresh organisation id (the shape identity issues). */
export const orgId = () => newId('org');

/** A member of an organisation: OWNER with every non-platform permission unless narrowed. */
export function member(
  organizationId: string,
  organizationKind: OrganizationKind,
  permissions: readonly Permission[] = PERMISSIONS.filter((p) => p !== 'platform:admin'),
  role: Role = 'OWNER',
): Principal {
  return {
    kind: 'user',
    userId: newId('usr'),
    organizationId,
    organizationKind,
    role,
    permissions: [...permissions],
  };
}

/** A signed-in shopper. */
export function customer(customerId = newId('cus')): Principal {
  return { kind: 'customer', customerId };
}

/** A partner app's API key acting for an organisation with the given permissions. */
export function apiKey(
  organizationId: string,
  organizationKind: OrganizationKind,
  permissions: readonly Permission[],
): Principal {
  return {
    kind: 'apiKey',
    apiKeyId: newId('apk'),
    organizationId,
    organizationKind,
    permissions: [...permissions],
  };
}

/** The GraphQL error code of a response's first error. */
export function errorCode(res: { errors?: readonly { extensions?: Record<string, unknown> }[] }): unknown {
  return res.errors?.[0]?.extensions?.code;
}

export const ADDRESS = {
  name: 'Receiving',
  line1: 'Lagerstraße 1',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
