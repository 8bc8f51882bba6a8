import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface OperationLimits {
  /** Deepest field nesting (a top-level field is depth 1). */
  maxDepth: number;
  /** Aliased fields in the operation, fragments expanded. */
  maxAliases: number;
  /** Fields selected directly on the root type. */
  maxRootFields: number;
  /** Field selections in the operation, fragments expanded. */
  maxFields: number;
}

/** An operation over one of the router's limits; reported as BAD_USER_INPUT (see errors.ts). */
export class OperationLimitError extends GraphQLError {
  readonly limit: string;
  constructor(limit: string, message: string, node: OperationDefinitionNode) {
    super(message, { nodes: [node], extensions: { code: 'BAD_USER_INPUT', limit } });
    this.limit = limit;
  }
}

interface Stats {
  depth: number;
  aliases: number;
  fields: number;
  /** Fields directly in this selection set, looking through fragments. */
  direct: number;
}

const ZERO: Stats = { depth: 0, aliases: 0, fields: 0, direct: 0 };

/**
 * Introspection (`__schema`, `__type`, `__typename`) is governed by the
 * introspection switch, not these limits — except aliases of meta fields,
 * which count as aliases and fields (the cheapest way to multiply work).
 */
const isMetaField = (name: string) => name.startsWith('__');

/**
 * Measures every operation before it is planned or executed. Fragments are
 * measured once and memoised, so a document that spreads fragments
 * exponentially is counted in linear time (and refused); fragment cycles count
 * as empty here because graphql's NoFragmentCycles rule already rejects them.
 */
export function operationLimitsRule(limits: OperationLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const memo = new Map<string, Stats | 'visiting'>();

    function fragmentStats(name: string): Stats {
      const known = memo.get(name);
      if (known === 'visiting') return ZERO;
      if (known) return known;
      const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(name);
      if (!fragment) return ZERO;
      memo.set(name, 'visiting');
      const stats = selectionStats(fragment.selectionSet);
      memo.set(name, stats);
      return stats;
    }

    function selectionStats(set: SelectionSetNode): Stats {
      const total = { depth: 0, aliases: 0, fields: 0, direct: 0 };
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (isMetaField(sel.name.value)) {
            // `a1: __typename a2: __typename …` costs the router work per alias: counted.
            if (sel.alias) {
              total.aliases += 1;
              total.fields += 1;
            }
            continue;
          }
          const child = sel.selectionSet ? selectionStats(sel.selectionSet) : ZERO;
          total.depth = Math.max(total.depth, child.depth + 1);
          total.aliases += child.aliases + (sel.alias ? 1 : 0);
          total.fields += child.fields + 1;
          total.direct += 1;
          continue;
        }
        const child =
          sel.kind === Kind.INLINE_FRAGMENT
            ? selectionStats(sel.selectionSet)
            : fragmentStats(sel.name.value);
        total.depth = Math.max(total.depth, child.depth);
        total.aliases += child.aliases;
        total.fields += child.fields;
        total.direct += child.direct;
      }
      return total;
    }

    return {
      OperationDefinition(node) {
        const stats = selectionStats(node.selectionSet);
        const name = node.name ? `Operation "${node.name.value}"` : 'The operation';
        const check = (limit: string, actual: number, max: number, what: string) => {
          if (actual > max) {
            context.reportError(
              new OperationLimitError(
                limit,
                `${name} ${what.replace('#', String(actual))}; the limit is ${max}`,
                node,
              ),
            );
          }
        };
        check('depth', stats.depth, limits.maxDepth, 'is nested # levels deep');
        check('aliases', stats.aliases, limits.maxAliases, 'uses # aliases');
        check('rootFields', stats.direct, limits.maxRootFields, 'selects # root fields');
        check('fields', stats.fields, limits.maxFields, 'selects # fields');
        return false;
      },
    };
  };
}
