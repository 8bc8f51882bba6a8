import { failWith, type PageArgs, pageArgs, toConnection } from '@tradegraph/shared';

/** Input checks shared by the domain modules; each failure is a user error with a code and a field. */

export function requireText(
  value: unknown,
  field: string | string[],
  opts: { max: number; min?: number; code?: string; what?: string },
): string {
  const s = typeof value === 'string' ? value.trim() : '';
  const min = opts.min ?? 1;
  if (s.length < min || s.length > opts.max) {
    const what = opts.what ?? (Array.isArray(field) ? field.at(-1) : field);
    failWith(
      opts.code ?? 'INVALID_INPUT',
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
  opts: { max: number; code?: string; what?: string },
): string | null {
  if (value === null || value === undefined) return null;
  const s = requireText(value, field, { ...opts, min: 0 });
  return s === '' ? null : s;
}

export function requireInt(
  value: unknown,
  field: string | string[],
  opts: { min: number; max: number; code: string; what: string },
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < opts.min || value > opts.max) {
    failWith(opts.code, `${opts.what} must be a whole number from ${opts.min} to ${opts.max}`, field);
  }
  return value as number;
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
  if (!a || typeof a !== 'object') return failWith('INVALID_ADDRESS', 'An address is required', field);
  const f = (name: string) => [field, name];
  const country = typeof a.country === 'string' ? a.country.trim().toUpperCase() : '';
  if (!/^[A-Z]{2}$/.test(country))
    failWith('INVALID_ADDRESS', 'country must be an ISO 3166-1 alpha-2 code such as "DE"', f('country'));
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

/** A connection with no rows (e.g. a supplier without a database yet); still validates the page arguments. */
export function emptyConnection(args: PageArgs) {
  return toConnection([], pageArgs<unknown>(args), () => null, 0);
}
