import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { OperationLimitError, type OperationLimits, operationLimitsRule } from '../src/limits.ts';

const schema = buildSchema(`
  type Query { a: Int b: Int node: Node }
  type Node { id: ID! child: Node }
`);

const limits: OperationLimits = { maxDepth: 4, maxAliases: 2, maxRootFields: 3, maxFields: 20 };

function errors(query: string, l: OperationLimits = limits, withSpecifiedRules = true) {
  const rules = withSpecifiedRules ? [...specifiedRules, operationLimitsRule(l)] : [operationLimitsRule(l)];
  return validate(schema, parse(query), rules)
    .filter((e) => e instanceof OperationLimitError)
    .map((e) => (e as OperationLimitError).limit);
}

describe('operationLimitsRule', () => {
  it('measures depth through fragments and inline fragments', () => {
    expect(errors('{ node { child { child { id } } } }')).toEqual([]);
    expect(errors('{ node { child { child { child { id } } } } }')).toEqual(['depth']);
    expect(
      errors(`{ node { ...F } } fragment F on Node { child { ... on Node { child { child { id } } } } }`),
    ).toEqual(['depth']);
  });

  it('counts aliases across fragments, once per spread', () => {
    expect(errors('{ x: a y: b }')).toEqual([]);
    expect(errors('{ x: a ...F } fragment F on Query { y: b z: a }')).toEqual(['aliases']);
    expect(errors('{ ...F ...F } fragment F on Query { y: b z: a }')).toContain('aliases');
  });

  it('counts root fields, looking through fragments', () => {
    expect(errors('{ a b node { id child { id } } }')).toEqual([]);
    expect(errors('{ a b ... on Query { node { id } } ...F } fragment F on Query { a }')).toEqual([
      'rootFields',
    ]);
  });

  it('counts every field selection, fragments expanded', () => {
    const many = Array.from({ length: 7 }, () => 'node { id child { id } }').join(' ');
    // 7 × 4 fields = 28 > 20; the repeated root field is allowed by graphql (same field, merged).
    expect(errors(`{ ${many} }`, { ...limits, maxRootFields: 10 })).toEqual(['fields']);
  });

  it('handles exponential fragment fan-out in linear time', () => {
    const defs = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Node { id ${i < 39 ? `...F${i + 1} ...F${i + 1}` : ''} }`,
    ).join('\n');
    const started = performance.now();
    const found = errors(`{ node { ...F0 } } ${defs}`, { ...limits, maxFields: 1000 }, false);
    expect(found).toEqual(['fields']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('ignores introspection meta-fields (governed by the introspection switch)', () => {
    expect(
      errors(
        '{ __typename __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }',
      ),
    ).toEqual([]);
  });

  it('counts aliases of meta fields toward the alias and field limits', () => {
    expect(errors('{ x: __typename y: __typename }')).toEqual([]);
    expect(errors('{ x: __typename y: __typename z: __typename }')).toEqual(['aliases']);
    expect(
      errors('{ node { ...F } } fragment F on Node { x: __typename y: __typename z: __typename }'),
    ).toEqual(['aliases']);
    const many = Array.from({ length: 21 }, (_, i) => `t${i}: __typename`).join(' ');
    expect(errors(`{ ${many} }`, { ...limits, maxAliases: 100 })).toEqual(['fields']);
  });

  it('survives fragment cycles (reported by graphql itself)', () => {
    const all = validate(
      schema,
      parse('{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { ...A }'),
      [...specifiedRules, operationLimitsRule(limits)],
    );
    expect(all.some((e) => /Cannot spread fragment "A" within itself/.test(e.message))).toBe(true);
  });
});
