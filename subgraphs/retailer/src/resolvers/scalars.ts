import { GraphQLScalarType, Kind } from 'graphql';

const PERCENT = /^-?\d{1,6}(\.\d{1,12})?$/;

function parsePercent(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const text = String(value);
    if (PERCENT.test(text)) return text;
  }
  if (typeof value === 'string' && PERCENT.test(value.trim())) return value.trim();
  throw new TypeError('Percent must be a decimal such as "12.5" or 12.5');
}

/**
 * Percentages in and out: clients may send "12.5" or 12.5 (markups are small
 * decimals and many clients type them as numbers); the domain validates the
 * precision (at most two decimals) and range, and always gets a string.
 */
export const PercentScalar = new GraphQLScalarType({
  name: 'Percent',
  description: 'A percentage: a decimal string such as "12.5", or a number',
  serialize(value) {
    if (typeof value === 'string' && PERCENT.test(value)) return value;
    throw new TypeError('Percent must be serialised from a decimal string');
  },
  parseValue: parsePercent,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) {
      return parsePercent(ast.kind === Kind.STRING ? ast.value : Number(ast.value));
    }
    throw new TypeError('Percent must be a decimal such as "12.5" or 12.5');
  },
});
