import type { Principal } from '@tradegraph/shared';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AccessRule, AnyOfAll, SupergraphDirectives } from './directives.ts';

/**
 * A named check on the principal, referenced by `@policy(policies: [["name"]])`.
 * Pure and synchronous: it sees only what the router verified (the principal).
 */
export type Policy = (principal: Principal) => boolean;

const actsForKind =
  (kind: string): Policy =>
  (p) =>
    (p.kind === 'user' || p.kind === 'apiKey') && p.organizationKind === kind;

/** The router's built-in policies; startRouter({ policies }) adds or replaces entries. */
export const DEFAULT_POLICIES: Record<string, Policy> = {
  brand: actsForKind('BRAND'),
  supplier: actsForKind('SUPPLIER'),
  retailer: actsForKind('RETAILER'),
  platform: actsForKind('PLATFORM'),
  /** A signed-in user acting for an organisation (not an API key, not a shopper). */
  member: (p) => p.kind === 'user' && p.organizationId !== null,
  customer: (p) => p.kind === 'customer',
};

/** The principal's scopes for `@requiresScopes`: the permissions identity granted (e.g. `orders:read`). */
export function scopesOf(p: Principal): ReadonlySet<string> {
  return new Set(p.kind === 'user' || p.kind === 'apiKey' ? p.permissions : []);
}

const anyOfAll = (alternatives: AnyOfAll, holds: (name: string) => boolean) =>
  alternatives.some((all) => all.every(holds));

export const UNAUTHORIZED_CODE = 'UNAUTHORIZED_FIELD_OR_TYPE';
/** Alias of the `__typename` that stands in for a selection set left empty by removals. */
const PLACEHOLDER = '_authorizationPlaceholder';

/** A selection the caller may not see: nulled in the response at every place it occurs. */
export interface Removal {
  /** Response keys from the root; list levels are walked through. */
  path: string[];
  /** What was denied (`Type.field` or a type), for the error message. */
  denied: string;
}

export interface AuthorizationResult {
  /** The operation without what the caller may not see; undefined when nothing was removed. */
  document?: DocumentNode;
  operation?: OperationDefinitionNode;
  removals: Removal[];
  /** Selection sets reduced to the placeholder (its key is deleted from the response). */
  placeholders: string[][];
  /** A denied non-null field with no nullable ancestor: the whole `data` is null. */
  dataNull: boolean;
  /** A stable signature of the removals (to key caches of the filtered operation). */
  signature: string;
}

/**
 * Enforces `@authenticated`, `@requiresScopes` and `@policy` before planning:
 * denied fields (and fields returning denied types, and fragments on denied
 * types) are removed from the operation, so no subgraph is ever asked for
 * them; the response then carries null in their place and one
 * UNAUTHORIZED_FIELD_OR_TYPE error per place. A denied non-null field nulls
 * its nearest nullable ancestor instead, as GraphQL's null bubbling would.
 */
export function createAuthorizer(
  schema: GraphQLSchema,
  directives: SupergraphDirectives,
  policies: Record<string, Policy>,
) {
  const enabled = directives.fieldAccess.size > 0 || directives.typeAccess.size > 0;

  function allows(rule: AccessRule | undefined, principal: Principal, scopes: () => ReadonlySet<string>) {
    if (!rule) return true;
    if (rule.authenticated && (principal.kind === 'anonymous' || principal.kind === 'router')) return false;
    for (const s of rule.scopes) if (!anyOfAll(s, (name) => scopes().has(name))) return false;
    for (const p of rule.policies)
      if (!anyOfAll(p, (name) => policies[name]?.(principal) === true)) return false;
    return true;
  }

  function authorize(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    principal: Principal,
  ): AuthorizationResult {
    const none: AuthorizationResult = { removals: [], placeholders: [], dataNull: false, signature: '' };
    if (!enabled) return none;
    const root =
      operation.operation === 'mutation'
        ? schema.getMutationType()
        : operation.operation === 'subscription'
          ? schema.getSubscriptionType()
          : schema.getQueryType();
    if (!root) return none;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    let scopeSet: ReadonlySet<string> | undefined;
    const scopes = () => (scopeSet ??= scopesOf(principal));
    const removals: Removal[] = [];
    const placeholders: string[][] = [];

    const typeAllowed = (type: GraphQLNamedType) =>
      allows(directives.typeAccess.get(type.name), principal, scopes);

    /** Returns the filtered set, and whether a denied non-null field must null the parent. */
    function filter(
      set: SelectionSetNode,
      parent: GraphQLNamedType,
      path: string[],
      depth: number,
    ): { set: SelectionSetNode; changed: boolean; bubble?: string } {
      const selections: SelectionNode[] = [];
      let changed = false;
      let bubble: string | undefined;
      for (const sel of set.selections) {
        if (sel.kind !== Kind.FIELD) {
          const fragment = sel.kind === Kind.FRAGMENT_SPREAD ? fragments[sel.name.value] : undefined;
          if (sel.kind === Kind.FRAGMENT_SPREAD && !fragment) continue;
          const condition = sel.kind === Kind.INLINE_FRAGMENT ? sel.typeCondition : fragment!.typeCondition;
          const on = (condition && schema.getType(condition.name.value)) || parent;
          if (on !== parent && !typeAllowed(on)) {
            changed = true;
            continue;
          }
          const inner = filter(
            sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragment!.selectionSet,
            on,
            path,
            depth + 1,
          );
          bubble ??= inner.bubble;
          if (!inner.changed) {
            selections.push(sel);
            continue;
          }
          changed = true;
          // Spreads become inline fragments: a fragment's filtered form depends on where it is used.
          selections.push({
            kind: Kind.INLINE_FRAGMENT,
            ...(condition ? { typeCondition: condition } : {}),
            directives: sel.directives ?? [],
            selectionSet: inner.set,
          });
          continue;
        }
        const field =
          'getFields' in parent
            ? (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[sel.name.value]
            : undefined;
        if (!field || depth > 64) {
          selections.push(sel);
          continue;
        }
        const key = sel.alias?.value ?? sel.name.value;
        const named = getNamedType(field.type);
        const coordinate = `${parent.name}.${field.name}`;
        const denied = !allows(directives.fieldAccess.get(coordinate), principal, scopes)
          ? coordinate
          : !typeAllowed(named)
            ? named.name
            : undefined;
        if (denied) {
          changed = true;
          if (isNonNullType(field.type)) bubble ??= denied;
          else removals.push({ path: [...path, key], denied });
          continue;
        }
        if (!sel.selectionSet) {
          selections.push(sel);
          continue;
        }
        const inner = filter(sel.selectionSet, named, [...path, key], depth + 1);
        if (inner.bubble) {
          changed = true;
          if (isNonNullType(field.type)) bubble ??= inner.bubble;
          else removals.push({ path: [...path, key], denied: inner.bubble });
          continue;
        }
        if (!inner.changed) {
          selections.push(sel);
          continue;
        }
        changed = true;
        selections.push({ ...sel, selectionSet: inner.set } as FieldNode);
      }
      if (changed && !selections.some((s) => s.kind === Kind.FIELD)) {
        placeholders.push(path);
        selections.push({
          kind: Kind.FIELD,
          alias: { kind: Kind.NAME, value: PLACEHOLDER },
          name: { kind: Kind.NAME, value: '__typename' },
        });
      }
      return { set: changed ? { ...set, selections } : set, changed, ...(bubble ? { bubble } : {}) };
    }

    const result = filter(operation.selectionSet, root, [], 0);
    if (!result.changed) return none;
    if (result.bubble) {
      return {
        removals: [{ path: [], denied: result.bubble }],
        placeholders: [],
        dataNull: true,
        signature: 'null',
      };
    }
    const filtered: OperationDefinitionNode = { ...operation, selectionSet: result.set };
    return {
      // Fragments are inlined where they changed; the untouched ones stay for the rest.
      document: {
        ...document,
        definitions: document.definitions.map((d) => (d === operation ? filtered : d)),
      },
      operation: filtered,
      removals,
      placeholders,
      dataNull: false,
      signature: removals.map((r) => r.path.join('.')).join('|'),
    };
  }

  return { enabled, authorize };
}

export type Authorizer = ReturnType<typeof createAuthorizer>;

/** At most this many errors per removed selection (a denied field inside a list of 100). */
const MAX_ERRORS_PER_REMOVAL = 20;

export function unauthorizedError(denied: string, path: (string | number)[]): GraphQLError {
  return new GraphQLError(`Unauthorized field or type: ${denied}`, {
    path,
    extensions: { code: UNAUTHORIZED_CODE, denied },
  });
}

/**
 * Puts null where removed selections were (walking through lists) and drops
 * the placeholders; returns one error per place, in response order.
 */
export function applyRemovals(
  data: Record<string, unknown> | null | undefined,
  result: AuthorizationResult,
): GraphQLError[] {
  const errors: GraphQLError[] = [];
  if (!data) return errors;
  for (const removal of result.removals) {
    let count = 0;
    const visit = (value: unknown, at: number, path: (string | number)[]) => {
      if (value === null || value === undefined) return;
      if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) visit(item, at, [...path, i]);
        return;
      }
      if (typeof value !== 'object') return;
      const key = removal.path[at]!;
      const object = value as Record<string, unknown>;
      if (at === removal.path.length - 1) {
        object[key] = null;
        if (count++ < MAX_ERRORS_PER_REMOVAL) errors.push(unauthorizedError(removal.denied, [...path, key]));
        return;
      }
      visit(object[key], at + 1, [...path, key]);
    };
    visit(data, 0, []);
  }
  for (const path of result.placeholders) {
    const visit = (value: unknown, at: number) => {
      if (value === null || value === undefined || typeof value !== 'object') return;
      if (Array.isArray(value)) {
        for (const item of value) visit(item, at);
        return;
      }
      const object = value as Record<string, unknown>;
      if (at === path.length) delete object[PLACEHOLDER];
      else visit(object[path[at]!], at + 1);
    };
    visit(data, 0);
  }
  return errors;
}
