import { badInput } from './errors.ts';

/**
 * Money is `{ amount: Decimal, currencyCode }` on the wire and integer minor
 * units in the database. Minor-unit exponents follow ISO 4217.
 */

export interface Money {
  amount: string;
  currencyCode: string;
}

const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

export function currencyExponent(currencyCode: string): number {
  if (ZERO_DECIMAL.has(currencyCode)) return 0;
  if (THREE_DECIMAL.has(currencyCode)) return 3;
  return 2;
}

export function assertCurrency(code: unknown, field = 'currencyCode'): string {
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code)) {
    throw badInput('currencyCode must be an ISO 4217 code such as "EUR"', field);
  }
  return code;
}

/** "12.5" EUR → 1250n. Rejects more fractional digits than the currency has. */
export function toMinorUnits(money: Money, field = 'amount'): bigint {
  const exp = currencyExponent(assertCurrency(money.currencyCode));
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(money.amount.trim());
  if (!m) throw badInput(`"${money.amount}" is not a decimal amount`, field);
  const frac = m[3] ?? '';
  if (frac.length > exp) {
    throw badInput(`${money.currencyCode} amounts have at most ${exp} decimal places`, field);
  }
  const units = BigInt(m[2]! + frac.padEnd(exp, '0'));
  return m[1] ? -units : units;
}

/** 1250n EUR → { amount: "12.50", currencyCode: "EUR" }. */
export function fromMinorUnits(units: bigint | number, currencyCode: string): Money {
  const exp = currencyExponent(currencyCode);
  const n = BigInt(units);
  const neg = n < 0n;
  const digits = (neg ? -n : n).toString().padStart(exp + 1, '0');
  const amount = exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
  return { amount: neg ? `-${amount}` : amount, currencyCode };
}
