import {
  type ConstArgumentNode,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DocumentNode,
  Kind,
  parse,
  print,
  valueFromASTUntyped,
} from 'graphql';

/**
 * What the router reads from the supergraph beyond the API schema: the
 * demand-control directives (`@cost`, `@listSize`, federation 2.9) and the
 * authorization directives (`@authenticated`, `@requiresScopes`, `@policy`,
 * federation 2.5). The API schema that validates operations has them stripped,
 * so they are collected once from the supergraph SDL, by type and field.
 */
export interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
  requireOneSlicingArgument: boolean;
}

/** Alternatives of conjunctions: `[["a", "b"], ["c"]]` means (a and b) or c. */
export type AnyOfAll = string[][];

export interface AccessRule {
  authenticated: boolean;
  /** Every entry must hold (a field may carry a rule and return a type with another). */
  scopes: AnyOfAll[];
  policies: AnyOfAll[];
}

export interface SupergraphDirectives {
  /** `Type.field` → weight. */
  fieldCost: Map<string, number>;
  /** `Type.field(arg)` → weight added when the argument is given. */
  argumentCost: Map<string, number>;
  /** Object, scalar and enum weights. */
  typeCost: Map<string, number>;
  listSize: Map<string, ListSize>;
  /** `Type.field` → rule of the field itself. */
  fieldAccess: Map<string, AccessRule>;
  /** Type → rule of every field returning it (objects, interfaces, scalars, enums). */
  typeAccess: Map<string, AccessRule>;
  /** Every policy name used, to warn about those the router does not know. */
  policies: Set<string>;
}

const SPECS = {
  cost: 'https://specs.apollo.dev/cost/',
  authenticated: 'https://specs.apollo.dev/authenticated/',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes/',
  policy: 'https://specs.apollo.dev/policy/',
} as const;

/** The SECURITY features this router enforces itself (see authorization.ts). */
export const ENFORCED_SECURITY_FEATURES = [SPECS.authenticated, SPECS.requiresScopes, SPECS.policy];

function argValue(args: readonly ConstArgumentNode[] | undefined, name: string): unknown {
  const arg = args?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value as ConstValueNode) : undefined;
}

/** Directive names as the supergraph spells them (a `@link(as:)` or an import rename changes them). */
function directiveNames(doc: DocumentNode): Record<'cost' | 'listSize' | keyof typeof SPECS, string> {
  const names = {
    cost: 'cost',
    listSize: 'listSize',
    authenticated: 'authenticated',
    requiresScopes: 'requiresScopes',
    policy: 'policy',
  };
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of def.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = String(argValue(link.arguments, 'url') ?? '');
      const as = argValue(link.arguments, 'as') as string | undefined;
      const imports = (argValue(link.arguments, 'import') ?? []) as (
        | string
        | { name: string; as?: string }
      )[];
      const renamed = (directive: string) => {
        for (const entry of imports) {
          if (typeof entry === 'object' && entry.name === `@${directive}` && entry.as)
            return entry.as.slice(1);
        }
        return undefined;
      };
      for (const [key, base] of Object.entries(SPECS) as [keyof typeof SPECS, string][]) {
        if (!url.startsWith(base)) continue;
        if (as) names[key] = as;
        names[key] = renamed(key) ?? names[key];
        if (key === 'cost') names.listSize = renamed('listSize') ?? `${as ?? 'cost'}__listSize`;
      }
      if (url.startsWith(SPECS.cost)) {
        const importsListSize = imports.some((e) => (typeof e === 'string' ? e : e.name) === '@listSize');
        if (importsListSize) names.listSize = renamed('listSize') ?? 'listSize';
      }
    }
  }
  return names;
}

function ruleOf(
  directives: readonly ConstDirectiveNode[] | undefined,
  names: ReturnType<typeof directiveNames>,
  policies: Set<string>,
): AccessRule | undefined {
  const rule: AccessRule = { authenticated: false, scopes: [], policies: [] };
  let any = false;
  for (const d of directives ?? []) {
    if (d.name.value === names.authenticated) {
      rule.authenticated = true;
      any = true;
    } else if (d.name.value === names.requiresScopes) {
      rule.scopes.push(argValue(d.arguments, 'scopes') as AnyOfAll);
      any = true;
    } else if (d.name.value === names.policy) {
      const value = argValue(d.arguments, 'policies') as AnyOfAll;
      for (const all of value) for (const p of all) policies.add(p);
      rule.policies.push(value);
      any = true;
    }
  }
  return any ? rule : undefined;
}

/** Collects the demand-control and authorization directives of a supergraph. */
export function readSupergraphDirectives(supergraphSdl: string): SupergraphDirectives {
  const doc = parse(supergraphSdl);
  const names = directiveNames(doc);
  const out: SupergraphDirectives = {
    fieldCost: new Map(),
    argumentCost: new Map(),
    typeCost: new Map(),
    listSize: new Map(),
    fieldAccess: new Map(),
    typeAccess: new Map(),
    policies: new Set(),
  };
  const costOf = (directives: readonly ConstDirectiveNode[] | undefined) => {
    const d = directives?.find((x) => x.name.value === names.cost);
    return d ? Number(argValue(d.arguments, 'weight')) : undefined;
  };
  for (const def of doc.definitions) {
    if (
      def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      def.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      def.kind !== Kind.SCALAR_TYPE_DEFINITION &&
      def.kind !== Kind.ENUM_TYPE_DEFINITION
    ) {
      continue;
    }
    const type = def.name.value;
    const typeWeight = costOf(def.directives);
    if (typeWeight !== undefined) out.typeCost.set(type, typeWeight);
    const typeRule = ruleOf(def.directives, names, out.policies);
    if (typeRule) out.typeAccess.set(type, typeRule);
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of def.fields ?? []) {
      const coordinate = `${type}.${field.name.value}`;
      const weight = costOf(field.directives);
      if (weight !== undefined) out.fieldCost.set(coordinate, weight);
      for (const arg of field.arguments ?? []) {
        const argWeight = costOf(arg.directives);
        if (argWeight !== undefined) out.argumentCost.set(`${coordinate}(${arg.name.value})`, argWeight);
      }
      const listSize = field.directives?.find((d) => d.name.value === names.listSize);
      if (listSize) {
        const assumedSize = argValue(listSize.arguments, 'assumedSize') as number | undefined;
        const slicingArguments = argValue(listSize.arguments, 'slicingArguments') as string[] | undefined;
        const sizedFields = argValue(listSize.arguments, 'sizedFields') as string[] | undefined;
        const requireOne = argValue(listSize.arguments, 'requireOneSlicingArgument') as boolean | undefined;
        out.listSize.set(coordinate, {
          ...(assumedSize != null ? { assumedSize } : {}),
          ...(slicingArguments ? { slicingArguments } : {}),
          ...(sizedFields ? { sizedFields } : {}),
          requireOneSlicingArgument: requireOne ?? true,
        });
      }
      const rule = ruleOf(field.directives, names, out.policies);
      if (rule) out.fieldAccess.set(coordinate, rule);
    }
  }
  return out;
}

/**
 * The supergraph as @apollo/gateway accepts it. The gateway refuses any
 * `for: SECURITY` feature it cannot enforce (rightly: serving such a schema
 * would expose what the directives protect). The router enforces
 * authenticated, requiresScopes and policy itself before planning, so for
 * those three — and only those — the purpose is dropped; any other SECURITY
 * feature is still refused at load.
 */
export function supergraphForGateway(supergraphSdl: string): string {
  if (!supergraphSdl.includes('for: SECURITY')) return supergraphSdl;
  const doc = parse(supergraphSdl);
  let changed = false;
  const definitions = doc.definitions.map((def) => {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) return def;
    const directives = def.directives?.map((d) => {
      if (d.name.value !== 'link') return d;
      const url = String(argValue(d.arguments, 'url') ?? '');
      if (!ENFORCED_SECURITY_FEATURES.some((base) => url.startsWith(base))) return d;
      changed = true;
      return { ...d, arguments: d.arguments?.filter((a) => a.name.value !== 'for') };
    });
    return { ...def, directives };
  });
  return changed ? print({ ...doc, definitions }) : supergraphSdl;
}
