import { notFound, type PageArgs, pageArgs, toConnection } from '@tradegraph/shared';
import type { SupplierErrorCode } from '../generated/resolvers.ts';
import { fail } from './errors.ts';

/** Input checks shared by the domain modules; each failure is a user error with a code and a field. */

export function requireText(
  value: unknown,
  field: string | string[],
  opts: { max: number; min?: number; code: SupplierErrorCode; what?: string },
): string {
  const s = typeof value === 'string' ? value.trim() : '';
  const min = opts.min ?? 1;
  if (s.length < min || s.length > opts.max) {
    const what = opts.what ?? (Array.isArray(field) ? field.at(-1) : field);
    fail(
      opts.code,
      min > 0
        ? `${what} must be 1 to ${opts.max} characters`
        : `${what} must be at most ${opts.max} characters`,
      field,
    );
  }
  return s;
}

export function optionalText(
  value: unknown,
  field: string | string[],
  opts: { max: number; code: SupplierErrorCode; what?: string },
): string | null {
  if (value === null || value === undefined) return null;
  const s = requireText(value, field, { ...opts, min: 0 });
  return s === '' ? null : s;
}

export function requireInt(
  value: unknown,
  field: string | string[],
  opts: { min: number; max: number; code: SupplierErrorCode; what: string },
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < opts.min || value > opts.max) {
    return fail(opts.code, `${opts.what} must be a whole number from ${opts.min} to ${opts.max}`, field);
  }
  return value;
}

export interface AddressInput {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  country: string;
}

export function normaliseAddress(a: AddressInput | null | undefined, field = 'address') {
  if (!a || typeof a !== 'object') return fail('INVALID_ADDRESS', 'An address is required', field);
  const f = (name: string) => [field, name];
  const country = typeof a.country === 'string' ? a.country.trim().toUpperCase() : '';
  if (!/^[A-Z]{2}$/.test(country))
    fail('INVALID_ADDRESS', 'country must be an ISO 3166-1 alpha-2 code such as "DE"', f('country'));
  return {
    addressName: requireText(a.name, f('name'), { max: 200, code: 'INVALID_ADDRESS' }),
    line1: requireText(a.line1, f('line1'), { max: 300, code: 'INVALID_ADDRESS' }),
    line2: optionalText(a.line2, f('line2'), { max: 300, code: 'INVALID_ADDRESS' }),
    city: requireText(a.city, f('city'), { max: 120, code: 'INVALID_ADDRESS' }),
    region: optionalText(a.region, f('region'), { max: 120, code: 'INVALID_ADDRESS' }),
    postalCode: requireText(a.postalCode, f('postalCode'), { max: 20, code: 'INVALID_ADDRESS' }),
    country,
  };
}

/**
 * The answer of a list query for a supplier without a database yet: nothing,
 * but the page arguments are still checked, and a warehouse filter names a
 * warehouse that cannot exist (NOT_FOUND, as for any foreign id).
 */
export function nothingYet(args: PageArgs, filter?: { warehouseId?: string | null } | null) {
  if (filter?.warehouseId) throw notFound('Warehouse');
  return toConnection([], pageArgs<unknown>(args), () => null, 0);
}
