import {
  assert,
  type CompositeType,
  type Directive,
  ERRORS,
  isSubtype,
  type NamedType,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
  Variable,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/**
 * Result shaping (the merged subgraph data → the client's response), the same
 * algorithm as @apollo/gateway's `computeResponse` (resultShaping.ts, 2.14),
 * but compiled once per operation: the gateway walks the federation
 * `Operation` object model on every request (directive lookups, response
 * names, field definitions), which was its largest self-time in the profile.
 * Here each selection is a plain record, so a request only walks data.
 *
 * Same output, key for key and in the same order, and the same errors
 * (non-null violations, invalid leaf values or __typename) with the same
 * messages and paths; router/test/execution.test.ts compares both.
 */

// biome-ignore lint/suspicious/noExplicitAny: federation-internals' Directive is generic over its parent element.
type AnyDirective = Directive<any, any>;
type Condition = { variable: string; directive: AnyDirective } | { value: boolean };

interface FieldNode {
  kind: 'field';
  responseName: string;
  isTypename: boolean;
  type: Type;
  skip?: Condition;
  include?: Condition;
  selections?: Selection[];
}
interface FragmentNode {
  kind: 'fragment';
  typeCondition?: CompositeType;
  skip?: Condition;
  include?: Condition;
  selections: Selection[];
}
type Selection = FieldNode | FragmentNode;

const OK = 0;
const NULL_BUBBLE_UP = 1;

type Data = Record<string, unknown>;
type Path = (string | number)[];

interface Run {
  variables: Record<string, unknown>;
  errors: GraphQLError[];
}

export class UnsupportedOperation extends Error {}

function conditionOf(directive: AnyDirective | undefined): Condition | undefined {
  if (!directive) return undefined;
  const arg = directive.arguments().if;
  if (arg instanceof Variable) return { variable: arg.name, directive };
  return { value: arg as boolean };
}

function conditionValue(c: Condition, variables: Record<string, unknown>): boolean {
  if ('value' in c) return c.value;
  const value = Object.hasOwn(variables, c.variable) ? variables[c.variable] : undefined;
  assert(
    value !== undefined && typeof value === 'boolean',
    () => `Unexpected value ${value} for variable $${c.variable} of ${c.directive}`,
  );
  return value as boolean;
}

function skipped(s: Selection, variables: Record<string, unknown>): boolean {
  return (
    (s.skip !== undefined && conditionValue(s.skip, variables)) ||
    (s.include !== undefined && !conditionValue(s.include, variables))
  );
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const BUILT_IN_SCALARS = ['Int', 'Float', 'String', 'Boolean', 'ID'];

/**
 * `isValidLeafValue(schema, value, type)` of federation-internals (values.ts)
 * for one leaf type, decided once: that function looks up the built-in types
 * (and scans their names) on every value it checks. Same answers, unit-tested
 * against it.
 */
export function leafValidator(schema: Schema, type: NamedType): (value: unknown) => boolean {
  if (type.kind === 'ScalarType' && !BUILT_IN_SCALARS.includes(type.name)) return () => true;
  const isBoolean = type === schema.booleanType();
  const isInteger = type === schema.intType() || type === schema.idType();
  const isFloat = type === schema.floatType();
  const enumType = type.kind === 'EnumType' ? type : undefined;
  const anyString = !isBoolean && type !== schema.intType() && !isFloat;
  return (value) => {
    switch (typeof value) {
      case 'boolean':
        return isBoolean;
      case 'number':
        if (!Number.isFinite(value)) return false;
        return isInteger ? INTEGER.test(String(value)) : isFloat;
      case 'string':
        return enumType ? enumType.value(value) !== undefined : anyString;
      default:
        return false;
    }
  };
}

export interface Shaper {
  /** The client's data and the value-completion errors, as computeResponse returns them. */
  shape(
    input: Data | null | undefined,
    variables: Record<string, unknown> | undefined,
  ): {
    data: Data | null | undefined;
    errors: GraphQLError[];
  };
}

/**
 * Compiles `operation` (from operationFromDocument over the API schema).
 * Throws UnsupportedOperation for introspection fields (`__schema`, `__type`):
 * those operations go to the stock executor.
 */
export function compileShaper(operation: Operation): Shaper {
  const schema: Schema = operation.schema();
  const skipDef = schema.skipDirective();
  const includeDef = schema.includeDirective();
  const defaults = operation.collectDefaultedVariableValues();
  const hasDefaults = Object.keys(defaults).length > 0;
  const subtypeMemo = new Map<CompositeType, Map<NamedType, boolean>>();
  const leafValidators = new Map<NamedType, (value: unknown) => boolean>();
  function isValidLeaf(value: unknown, type: NamedType): boolean {
    let validator = leafValidators.get(type);
    if (!validator) {
      validator = leafValidator(schema, type);
      leafValidators.set(type, validator);
    }
    return validator(value);
  }

  function compile(set: SelectionSet): Selection[] {
    const out: Selection[] = [];
    for (const selection of set.selections()) {
      const element = selection.element;
      const skip = conditionOf(element.appliedDirectivesOf(skipDef)[0]);
      const include = conditionOf(element.appliedDirectivesOf(includeDef)[0]);
      const conditions = { ...(skip ? { skip } : {}), ...(include ? { include } : {}) };
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        if (field.definition.isSchemaIntrospectionField()) {
          throw new UnsupportedOperation('introspection fields are executed by the stock gateway');
        }
        out.push({
          kind: 'field',
          responseName: field.responseName(),
          isTypename: field.name === '__typename',
          type: field.definition.type!,
          ...conditions,
          ...(selection.selectionSet ? { selections: compile(selection.selectionSet) } : {}),
        });
      } else {
        const typeCondition = selection.element.typeCondition;
        out.push({
          kind: 'fragment',
          ...(typeCondition ? { typeCondition } : {}),
          ...conditions,
          selections: compile(selection.selectionSet),
        });
      }
    }
    return out;
  }

  const root = compile(operation.selectionSet);
  const rootType = schema.schemaDefinition.rootType(operation.rootKind)!;

  function isSubtypeMemo(condition: CompositeType, type: NamedType): boolean {
    let byType = subtypeMemo.get(condition);
    if (!byType) {
      byType = new Map();
      subtypeMemo.set(condition, byType);
    }
    let result = byType.get(type);
    if (result === undefined) {
      result = isSubtype(condition, type);
      byType.set(type, result);
    }
    return result;
  }

  function typeConditionApplies(
    condition: CompositeType | undefined,
    typename: string | undefined,
    parentType: NamedType,
  ): boolean {
    if (!condition) return true;
    if (typename) {
      const type = schema.type(typename);
      return !!type && isSubtypeMemo(condition, type);
    }
    return isSubtypeMemo(condition, parentType);
  }

  function describe(path: Path, currentType: Type, parentType: NamedType): string {
    const element = path[path.length - 1];
    assert(element !== undefined, 'Should not have been called on an empty path');
    return typeof element === 'string'
      ? `field ${parentType}.${element}`
      : `array element of type ${currentType} at index ${element}`;
  }

  function applySelections(
    input: Data,
    selections: Selection[],
    output: Data,
    run: Run,
    path: Path,
    parentType: NamedType,
  ): number {
    for (const s of selections) {
      if ((s.skip || s.include) && skipped(s, run.variables)) continue;
      if (s.kind === 'field') {
        const name = s.responseName;
        const outputValue = output[name];
        let inputValue = Object.hasOwn(input, name) ? (input[name] ?? null) : null;
        if (s.isTypename) {
          if (outputValue === undefined) {
            if (inputValue === null && name !== '__typename') inputValue = input.__typename ?? null;
            const type =
              inputValue !== null && typeof inputValue === 'string'
                ? (schema.type(inputValue) ?? parentType)
                : parentType;
            if (type.kind !== 'ObjectType') return NULL_BUBBLE_UP;
            output[name] = type.name;
          }
          continue;
        }
        path.push(name);
        output[name] = updateOutputValue(
          outputValue,
          s.type,
          inputValue,
          s.selections,
          path,
          run,
          parentType,
        );
        path.pop();
        if (isInvalid) return NULL_BUBBLE_UP;
      } else {
        const typename = input.__typename;
        if (typename && typeof typename !== 'string') {
          assert(false, () => `Got unexpected value for __typename: ${typename}`);
        }
        if (typeConditionApplies(s.typeCondition, typename as string | undefined, parentType)) {
          const res = applySelections(input, s.selections, output, run, path, s.typeCondition ?? parentType);
          if (res === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
        }
      }
    }
    return OK;
  }

  // Flags of the updateOutputValue call that just returned (the gateway returns them in a
  // record per value; here they are set before every return and read right after the call,
  // so shaping allocates only the output itself).
  /** The value is null where its type is non-null: the parent must be nulled too. */
  let isInvalid = false;
  /** An error was recorded for the value or inside it. */
  let hasErrors = false;

  function updateOutputValue(
    outputValue: unknown,
    type: Type,
    inputValue: unknown,
    selections: Selection[] | undefined,
    path: Path,
    run: Run,
    parentType: NamedType,
  ): unknown {
    if (inputValue === undefined) assert(false, 'Should not pass undefined for `inputValue` to this method');
    if (outputValue === null || (outputValue !== undefined && !selections)) {
      isInvalid = hasErrors = false;
      return outputValue;
    }
    if (type.kind === 'NonNullType') {
      const updated = updateOutputValue(
        outputValue,
        type.ofType,
        inputValue,
        selections,
        path,
        run,
        parentType,
      );
      if (updated === null) {
        if (!hasErrors) {
          run.errors.push(
            ERRORS.INVALID_GRAPHQL.err(
              `Cannot return null for non-nullable ${describe(path, type.ofType, parentType)}.`,
              { path: Array.from(path) },
            ),
          );
        }
        isInvalid = hasErrors = true;
        return null;
      }
      isInvalid = hasErrors = false;
      return updated;
    }
    if (inputValue === null) {
      isInvalid = hasErrors = false;
      return null;
    }
    if (type.kind === 'ListType') {
      if (!Array.isArray(inputValue)) {
        assert(
          false,
          () => `Invalid non-list value ${inputValue} returned by subgraph for list type ${type}`,
        );
      }
      if (outputValue !== undefined && !Array.isArray(outputValue)) {
        assert(
          false,
          () => `Invalid non-list value ${outputValue} returned by subgraph for list type ${type}`,
        );
      }
      const list = inputValue as unknown[];
      const outputList = outputValue as unknown[] | undefined;
      if (outputList !== undefined && list.length !== outputList.length) {
        assert(
          false,
          () => `[${list}].length (${list.length}) !== [${outputList}].length (${outputList.length})`,
        );
      }
      let shouldNullify = false;
      let anyErrors = false;
      const updated = new Array(list.length);
      for (let idx = 0; idx < list.length; idx++) {
        path.push(idx);
        updated[idx] = updateOutputValue(
          outputList?.[idx],
          type.ofType,
          list[idx],
          selections,
          path,
          run,
          parentType,
        );
        path.pop();
        shouldNullify ||= isInvalid;
        anyErrors ||= hasErrors;
      }
      isInvalid = false;
      hasErrors = anyErrors;
      return shouldNullify ? null : updated;
    }
    if (type.kind === 'ObjectType' || type.kind === 'InterfaceType' || type.kind === 'UnionType') {
      if (!selections) assert(false, () => `Invalid empty selection set for composite type ${type}`);
      if (typeof inputValue !== 'object') {
        assert(
          false,
          () => `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`,
        );
      }
      if (outputValue !== undefined && typeof outputValue !== 'object') {
        assert(
          false,
          () => `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`,
        );
      }
      const input = inputValue as Data;
      const inputTypename = input.__typename;
      if (inputTypename !== undefined && typeof inputTypename !== 'string') {
        assert(false, () => `Invalid non-string value ${inputTypename} for __typename at ${path}`);
      }
      let objType: NamedType = type;
      if (inputTypename) {
        const typenameType = schema.type(inputTypename as string);
        if (
          !typenameType ||
          !(
            typenameType.kind === 'ObjectType' ||
            typenameType.kind === 'InterfaceType' ||
            typenameType.kind === 'UnionType'
          )
        ) {
          run.errors.push(
            ERRORS.INVALID_GRAPHQL.err(
              `Invalid __typename found for object at ${describe(path, type, parentType)}.`,
              { path: Array.from(path) },
            ),
          );
          isInvalid = false;
          hasErrors = true;
          return null;
        }
        objType = typenameType;
      }
      const output = outputValue === undefined ? ({} as Data) : (outputValue as Data);
      const nulled = applySelections(input, selections!, output, run, path, objType) === NULL_BUBBLE_UP;
      isInvalid = false;
      hasErrors = nulled;
      return nulled ? null : output;
    }
    if (outputValue !== undefined) {
      assert(false, () => `Excepted output to be undefined but got ${type} for type ${type}`);
    }
    const valid = isValidLeaf(inputValue, type as NamedType);
    if (!valid) {
      run.errors.push(
        ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(path, type, parentType)}.`, {
          path: Array.from(path),
        }),
      );
    }
    isInvalid = false;
    hasErrors = !valid;
    return valid ? inputValue : null;
  }

  return {
    shape(input, variables) {
      if (!input) return { data: input, errors: [] };
      const run: Run = {
        variables: hasDefaults ? { ...defaults, ...variables } : (variables ?? {}),
        errors: [],
      };
      const data: Data = {};
      const res = applySelections(input, root, data, run, [], rootType);
      return { data: res === NULL_BUBBLE_UP ? null : data, errors: run.errors };
    },
  };
}
