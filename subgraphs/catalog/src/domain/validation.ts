import { AppError, type Money, toMinorUnits } from '@tradegraph/shared';
import type {
  AttributeType,
  ProductAttributeValue,
  ProductMediaValue,
  ProductOptionValue,
  SelectedOptionValue,
} from '../entities/index.ts';
import { ATTRIBUTE_TYPES } from '../entities/tenant.ts';
import type { Problems } from './errors.ts';

/** Pure input rules of products and categories: each checks one value, records its problems and returns the canonical value. */

export const LIMITS = {
  name: 200,
  description: 20_000,
  options: 3,
  optionName: 40,
  optionValue: 60,
  optionValues: 100,
  variants: 250,
  sku: 64,
  attributes: 100,
  attributeName: 80,
  attributeValue: 1000,
  media: 50,
  url: 2000,
  altText: 500,
  categoryName: 120,
  categorySlug: 80,
  categoryDepth: 8,
  /** MSRP upper bound in minor units (10^13: ten billion major units at two decimals). */
  msrpMinor: 10_000_000_000_000n,
} as const;

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A trimmed single-line text of 1..max characters, or an error (returns null). */
export function text(
  problems: Problems,
  value: unknown,
  field: (string | number)[],
  max: number,
  what: string,
): string | null {
  const s = typeof value === 'string' ? value.normalize('NFC').trim() : '';
  if (!s) {
    problems.add('REQUIRED', `${what} is required`, field);
    return null;
  }
  if (s.length > max) {
    problems.add('TOO_LONG', `${what} must be at most ${max} characters`, field);
    return null;
  }
  if (CONTROL.test(s)) {
    problems.add('INVALID_CHARACTERS', `${what} must not contain control characters`, field);
    return null;
  }
  return s;
}

/** Optional multi-line text: null/empty → null. */
export function longText(problems: Problems, value: unknown, field: string[], max: number): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value).normalize('NFC').trim();
  if (!s) return null;
  if (s.length > max) {
    problems.add('TOO_LONG', `Must be at most ${max} characters`, field);
    return null;
  }
  return s;
}

/** Lower-cased, NFC, collapsed whitespace: the NAME sort key (binary collation). */
export function sortKeyOf(name: string): string {
  return name.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').slice(0, 200);
}

const same = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;

/** Validates product options: up to 3, unique names, 1..100 unique values each. */
export function validateOptions(problems: Problems, input: unknown, field = 'options'): ProductOptionValue[] {
  if (input === null || input === undefined) return [];
  if (!Array.isArray(input)) {
    problems.add('INVALID', 'Options must be a list', [field]);
    return [];
  }
  if (input.length > LIMITS.options) {
    problems.add('TOO_MANY_OPTIONS', `A product has at most ${LIMITS.options} options`, [field]);
    return [];
  }
  const out: ProductOptionValue[] = [];
  input.forEach((o: { name?: unknown; values?: unknown }, i) => {
    const name = text(problems, o?.name, [field, i, 'name'], LIMITS.optionName, 'Option name');
    if (name && out.some((x) => same(x.name, name))) {
      problems.add('DUPLICATE_OPTION', `Option "${name}" is given twice`, [field, i, 'name']);
      return;
    }
    const rawValues = Array.isArray(o?.values) ? o.values : [];
    if (rawValues.length === 0) {
      problems.add('OPTION_VALUES_REQUIRED', 'An option needs at least one value', [field, i, 'values']);
      return;
    }
    if (rawValues.length > LIMITS.optionValues) {
      problems.add('TOO_MANY_VALUES', `An option has at most ${LIMITS.optionValues} values`, [
        field,
        i,
        'values',
      ]);
      return;
    }
    const values: string[] = [];
    rawValues.forEach((v: unknown, j: number) => {
      const value = text(problems, v, [field, i, 'values', j], LIMITS.optionValue, 'Option value');
      if (!value) return;
      if (values.some((x) => same(x, value))) {
        problems.add('DUPLICATE_OPTION_VALUE', `Value "${value}" is given twice`, [field, i, 'values', j]);
        return;
      }
      values.push(value);
    });
    if (name) out.push({ name, values });
  });
  return out;
}

/**
 * Matches a variant's selected options against the product's options: exactly
 * one value per option, each one of that option's values. Returns the options
 * in the product's order with canonical spelling, and the combination key.
 */
export function matchVariantOptions(
  problems: Problems,
  productOptions: ProductOptionValue[],
  input: unknown,
  field: (string | number)[],
): { options: SelectedOptionValue[]; key: string } | null {
  const given = Array.isArray(input) ? (input as { name?: unknown; value?: unknown }[]) : [];
  if (input !== null && input !== undefined && !Array.isArray(input)) {
    problems.add('INVALID', 'Options must be a list', field);
    return null;
  }
  const chosen = new Map<string, string>();
  let ok = true;
  given.forEach((g, i) => {
    const name = typeof g?.name === 'string' ? g.name.trim() : '';
    const option = productOptions.find((o) => same(o.name, name));
    if (!option) {
      problems.add('UNKNOWN_OPTION', `The product has no option "${name}"`, [...field, i, 'name']);
      ok = false;
      return;
    }
    if (chosen.has(option.name)) {
      problems.add('DUPLICATE_OPTION', `Option "${option.name}" is given twice`, [...field, i, 'name']);
      ok = false;
      return;
    }
    const raw = typeof g?.value === 'string' ? g.value.normalize('NFC').trim() : '';
    const value = option.values.find((v) => same(v, raw));
    if (!value) {
      problems.add(
        'INVALID_OPTION_VALUE',
        `"${raw}" is not a value of option "${option.name}" (${option.values.join(', ')})`,
        [...field, i, 'value'],
      );
      ok = false;
      return;
    }
    chosen.set(option.name, value);
  });
  for (const o of productOptions) {
    if (ok && !chosen.has(o.name)) {
      problems.add('MISSING_OPTION', `A value for option "${o.name}" is required`, field);
      ok = false;
    }
  }
  if (!ok) return null;
  const options = productOptions.map((o) => ({ name: o.name, value: chosen.get(o.name)! }));
  return { options, key: options.map((o) => o.value.toLowerCase()).join('\u001f') };
}

const SKU = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;

export function validateSku(problems: Problems, value: unknown, field: (string | number)[]): string | null {
  const sku = typeof value === 'string' ? value.trim() : '';
  if (!sku) {
    problems.add('REQUIRED', 'SKU is required', field);
    return null;
  }
  if (sku.length > LIMITS.sku || !SKU.test(sku)) {
    problems.add(
      'INVALID_SKU',
      `SKU must be 1 to ${LIMITS.sku} characters: letters, digits, ".", "_", "-", "/" (starting with a letter or digit)`,
      field,
    );
    return null;
  }
  return sku;
}

/** GS1 check digit: GTIN-8, -12 (UPC-A), -13 (EAN) or -14, digits only. */
export function isValidGtin(gtin: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(gtin)) return false;
  const digits = [...gtin].map(Number);
  const check = digits.pop()!;
  let sum = 0;
  // weights 3,1,3,1… from the rightmost data digit
  for (let i = digits.length - 1, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += digits[i]! * w;
  return (10 - (sum % 10)) % 10 === check;
}

export function validateGtin(problems: Problems, value: unknown, field: (string | number)[]): string | null {
  if (value === null || value === undefined) return null;
  const gtin = String(value).replace(/[\s-]/g, '');
  if (!gtin) return null;
  if (!isValidGtin(gtin)) {
    problems.add('INVALID_GTIN', 'GTIN must be 8, 12, 13 or 14 digits with a valid check digit', field);
    return null;
  }
  return gtin;
}

/** MSRP: null, or a non-negative amount in an ISO 4217 currency with the currency's decimals. */
export function validateMoney(
  problems: Problems,
  value: unknown,
  field: (string | number)[],
): { minor: string; currency: string } | null | undefined {
  if (value === null || value === undefined) return null;
  const m = value as Partial<Money>;
  try {
    const minor = toMinorUnits({
      amount: String(m.amount ?? ''),
      currencyCode: String(m.currencyCode ?? ''),
    });
    if (minor < 0n) {
      problems.add('INVALID_MONEY', 'MSRP must not be negative', field);
      return undefined;
    }
    if (minor >= LIMITS.msrpMinor) {
      problems.add('INVALID_MONEY', 'MSRP is too large', field);
      return undefined;
    }
    return { minor: minor.toString(), currency: m.currencyCode! };
  } catch (err) {
    if (err instanceof AppError) {
      problems.add('INVALID_MONEY', err.message, field);
      return undefined;
    }
    throw err;
  }
}

/** Typed attributes: unique names; NUMBER a decimal, BOOLEAN true/false, STRING any text. Values stored canonically. */
export function validateAttributes(problems: Problems, input: unknown): ProductAttributeValue[] {
  if (input === null || input === undefined) return [];
  if (!Array.isArray(input)) {
    problems.add('INVALID', 'Attributes must be a list', ['attributes']);
    return [];
  }
  if (input.length > LIMITS.attributes) {
    problems.add('TOO_MANY_ATTRIBUTES', `At most ${LIMITS.attributes} attributes`, ['attributes']);
    return [];
  }
  const out: ProductAttributeValue[] = [];
  input.forEach((a: { name?: unknown; type?: unknown; value?: unknown }, i) => {
    const name = text(problems, a?.name, ['attributes', i, 'name'], LIMITS.attributeName, 'Attribute name');
    const type = a?.type as AttributeType;
    if (!ATTRIBUTE_TYPES.includes(type)) {
      problems.add('INVALID_ATTRIBUTE_TYPE', `Type must be one of ${ATTRIBUTE_TYPES.join(', ')}`, [
        'attributes',
        i,
        'type',
      ]);
      return;
    }
    if (!name) return;
    if (out.some((x) => same(x.name, name))) {
      problems.add('DUPLICATE_ATTRIBUTE', `Attribute "${name}" is given twice`, ['attributes', i, 'name']);
      return;
    }
    const raw = typeof a?.value === 'string' ? a.value.trim() : '';
    let value: string | null = null;
    if (type === 'NUMBER') {
      if (/^-?\d{1,18}(\.\d{1,12})?$/.test(raw)) {
        value = raw
          .replace(/^(-?)0+(?=\d)/, '$1')
          .replace(/(\.\d*?)0+$/, '$1')
          .replace(/\.$/, '');
        if (value === '-0') value = '0';
      }
    } else if (type === 'BOOLEAN') {
      if (/^(true|false)$/i.test(raw)) value = raw.toLowerCase();
    } else if (raw.length > 0 && raw.length <= LIMITS.attributeValue) {
      value = raw;
    }
    if (value === null) {
      problems.add(
        'INVALID_ATTRIBUTE_VALUE',
        type === 'NUMBER'
          ? 'Value must be a decimal number such as "12.5"'
          : type === 'BOOLEAN'
            ? 'Value must be "true" or "false"'
            : `Value must be 1 to ${LIMITS.attributeValue} characters`,
        ['attributes', i, 'value'],
      );
      return;
    }
    out.push({ name, type, value });
  });
  return out;
}

/** Media references: http(s) URLs with optional alt text, ordered by position (then input order), renumbered 0..n-1. */
export function validateMedia(problems: Problems, input: unknown): ProductMediaValue[] {
  if (input === null || input === undefined) return [];
  if (!Array.isArray(input)) {
    problems.add('INVALID', 'Media must be a list', ['media']);
    return [];
  }
  if (input.length > LIMITS.media) {
    problems.add('TOO_MANY_MEDIA', `At most ${LIMITS.media} media`, ['media']);
    return [];
  }
  const items: { url: string; altText: string | null; position: number; i: number }[] = [];
  input.forEach((m: { url?: unknown; altText?: unknown; position?: unknown }, i) => {
    const raw = typeof m?.url === 'string' ? m.url.trim() : '';
    let url: string | null = null;
    const u = URL.canParse(raw) ? new URL(raw) : null;
    if (u && (u.protocol === 'https:' || u.protocol === 'http:') && raw.length <= LIMITS.url && u.hostname)
      url = u.toString();
    if (!url) {
      problems.add('INVALID_URL', `URL must be an absolute http(s) URL of at most ${LIMITS.url} characters`, [
        'media',
        i,
        'url',
      ]);
      return;
    }
    const altText = longText(problems, m?.altText, ['media', String(i), 'altText'], LIMITS.altText);
    const position = m?.position ?? i;
    if (!Number.isInteger(position) || (position as number) < 0) {
      problems.add('INVALID_POSITION', 'Position must be a non-negative integer', ['media', i, 'position']);
      return;
    }
    items.push({ url, altText, position: position as number, i });
  });
  return items
    .sort((a, b) => a.position - b.position || a.i - b.i)
    .map((m, position) => ({ url: m.url, altText: m.altText, position }));
}

/** A URL-safe slug: from the given one or from the name. */
export function slugOf(
  problems: Problems,
  slug: unknown,
  name: string | null,
  field = 'slug',
): string | null {
  if (slug !== null && slug !== undefined && slug !== '') {
    const s = String(slug).trim();
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s) || s.length > LIMITS.categorySlug) {
      problems.add(
        'INVALID_SLUG',
        `Slug must be lower-case letters and digits separated by "-", at most ${LIMITS.categorySlug} characters`,
        [field],
      );
      return null;
    }
    return s;
  }
  if (!name) return null;
  const generated = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, LIMITS.categorySlug)
    .replace(/-+$/g, '');
  if (!generated) {
    problems.add('INVALID_SLUG', 'Cannot derive a slug from this name: give one', [field]);
    return null;
  }
  return generated;
}
