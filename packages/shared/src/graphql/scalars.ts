import { GraphQLScalarType, Kind } from 'graphql';

/** ISO-8601 UTC timestamps on the wire. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 timestamp in UTC, e.g. 2026-11-22T08:00:00.000Z',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(d.getTime())) throw new TypeError('DateTime cannot represent an invalid date');
    return d.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new TypeError('DateTime must be an ISO-8601 string');
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new TypeError('DateTime is not a valid date');
  return d;
}

const DECIMAL = /^-?\d{1,18}(\.\d{1,12})?$/;

/** Exact decimals as strings ("12.50"); never floats. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'An exact decimal number as a string, e.g. "12.50"',
  serialize(value) {
    if (typeof value === 'string' && DECIMAL.test(value)) return value;
    if (typeof value === 'bigint') return value.toString();
    throw new TypeError('Decimal must be serialised from a decimal string');
  },
  parseValue(value) {
    return parseDecimal(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('Decimal must be a string such as "12.50"');
    return parseDecimal(ast.value);
  },
});

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL.test(value.trim())) {
    throw new TypeError('Decimal must be a string such as "12.50"');
  }
  return value.trim();
}

export const scalarResolvers = { DateTime: DateTimeScalar, Decimal: DecimalScalar };
