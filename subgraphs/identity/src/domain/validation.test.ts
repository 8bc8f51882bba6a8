import { UserErrors } from '@tradegraph/shared';
import { describe, expect, it } from 'vitest';
import { requireKeyName, requireScopes } from './api-keys.ts';
import { normaliseScopes, pairKey } from './connections.ts';
import { requireOrganizationKind, slugify } from './organizations.ts';
import { checkPasswordStrength, normaliseEmail, requireName } from './passwords.ts';

/** The user error code `fn` throws; null when it returns (anything else is rethrown). */
function codeOf(fn: () => unknown): { code: string; field: string[] | null } | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof UserErrors)) throw err;
    return { code: err.errors[0]!.code, field: err.errors[0]!.field };
  }
}

describe('passwords, emails and names', () => {
  it('accepts 10 to 256 characters that are not trivially guessable', () => {
    expect(checkPasswordStrength('correct horse battery')).toBe('correct horse battery');
    expect(codeOf(() => checkPasswordStrength('short'))?.code).toBe('WEAK_PASSWORD');
    expect(codeOf(() => checkPasswordStrength('x'.repeat(257)))?.code).toBe('WEAK_PASSWORD');
    expect(codeOf(() => checkPasswordStrength('aaaaaaaaaaaa'))?.code).toBe('WEAK_PASSWORD');
    expect(codeOf(() => checkPasswordStrength('password123456'))?.code).toBe('WEAK_PASSWORD');
    expect(codeOf(() => checkPasswordStrength(undefined, 'PLATFORM_ADMIN_PASSWORD'))?.field).toEqual([
      'PLATFORM_ADMIN_PASSWORD',
    ]);
  });

  it('normalises emails to trimmed lower case and rejects malformed ones', () => {
    expect(normaliseEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(codeOf(() => normaliseEmail('not-an-email'))?.code).toBe('INVALID_EMAIL');
    expect(codeOf(() => normaliseEmail(`${'a'.repeat(250)}@b.cd`))?.code).toBe('INVALID_EMAIL');
  });

  it('names are required and bounded', () => {
    expect(requireName('  Ada ')).toBe('Ada');
    expect(codeOf(() => requireName('   '))?.code).toBe('REQUIRED');
    expect(codeOf(() => requireName('x'.repeat(201)))?.code).toBe('TOO_LONG');
  });
});

describe('organisations', () => {
  it('slugs are ASCII, lower case and dashed, at most 60 characters, never empty', () => {
    expect(slugify('Café Noir & Co.')).toBe('cafe-noir-co');
    expect(slugify('***')).toBe('org');
    expect(slugify('x'.repeat(100))).toHaveLength(60);
  });

  it('PLATFORM is a kind only where allowed', () => {
    expect(requireOrganizationKind('BRAND')).toBe('BRAND');
    expect(codeOf(() => requireOrganizationKind('PLATFORM'))?.code).toBe('INVALID_KIND');
    expect(requireOrganizationKind('PLATFORM', 'filter.kind', true)).toBe('PLATFORM');
  });
});

describe('connection scopes', () => {
  it('are checked against the pair of kinds, whichever side requests', () => {
    expect(normaliseScopes('RETAILER', 'BRAND', ['CATALOG_READ'])).toEqual(['CATALOG_READ']);
    expect(codeOf(() => normaliseScopes('BRAND', 'BRAND', ['CATALOG_READ']))?.code).toBe(
      'INCOMPATIBLE_PARTNER',
    );
    expect(codeOf(() => normaliseScopes('RETAILER', 'SUPPLIER', ['CATALOG_READ']))?.code).toBe(
      'INVALID_SCOPE',
    );
    expect(codeOf(() => normaliseScopes('BRAND', 'RETAILER', []))?.code).toBe('SCOPES_REQUIRED');
  });

  it('selling or fulfilling a brand’s products implies reading its catalog; order is canonical', () => {
    expect(normaliseScopes('BRAND', 'RETAILER', ['SELL_PRODUCTS'])).toEqual([
      'CATALOG_READ',
      'SELL_PRODUCTS',
    ]);
    expect(normaliseScopes('SUPPLIER', 'BRAND', ['FULFILL_ORDERS'])).toEqual([
      'CATALOG_READ',
      'FULFILL_ORDERS',
    ]);
    expect(normaliseScopes('SUPPLIER', 'RETAILER', ['FULFILL_ORDERS'])).toEqual(['FULFILL_ORDERS']);
  });

  it('a pair has one key whichever side is first', () => {
    expect(pairKey('org_b', 'org_a')).toBe(pairKey('org_a', 'org_b'));
  });
});

describe('API keys', () => {
  it('need at least one known scope; scopes come back canonical and deduplicated', () => {
    expect(requireScopes(['ORDERS_READ', 'CATALOG_READ', 'ORDERS_READ'])).toEqual([
      'CATALOG_READ',
      'ORDERS_READ',
    ]);
    expect(codeOf(() => requireScopes([]))?.code).toBe('SCOPES_REQUIRED');
    expect(codeOf(() => requireScopes(['ROOT']))?.code).toBe('INVALID_SCOPE');
  });

  it('names are trimmed, 1 to 120 characters', () => {
    expect(requireKeyName('  ERP sync ')).toBe('ERP sync');
    expect(codeOf(() => requireKeyName(' '))?.code).toBe('INVALID_NAME');
    expect(codeOf(() => requireKeyName('k'.repeat(121)))?.code).toBe('INVALID_NAME');
  });
});
