import {
  type ASTNode,
  type EnumValueDefinitionNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  Kind,
  parse,
  visit,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { discoverSubgraphs, loadSdl } from '../subgraphs.ts';

/**
 * The schema documents itself (issue 7): every type, field, argument, input
 * field and enum value a subgraph serves has a description that tells a
 * client what it means. Extensions (`extend type Query`) need none
 * themselves, but their fields do.
 */
type Described = { description?: { value: string } | undefined; name: { value: string } };

const TYPE_KINDS = new Set<string>([
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.INPUT_OBJECT_TYPE_DEFINITION,
  Kind.ENUM_TYPE_DEFINITION,
  Kind.SCALAR_TYPE_DEFINITION,
  Kind.UNION_TYPE_DEFINITION,
]);

export function undocumented(sdl: string): string[] {
  const missing: string[] = [];
  const path: string[] = [];
  const blank = (n: Described) => !n.description?.value.trim();
  const enter = (node: ASTNode & Described, what: string) => {
    path.push(node.name.value);
    if (blank(node)) missing.push(`${what} ${path.join('.')}`);
  };
  const leave = () => void path.pop();
  const typeVisitor = {
    enter(node: ASTNode & Described) {
      if (TYPE_KINDS.has(node.kind)) enter(node, 'type');
      else path.push(node.name.value);
    },
    leave,
  };
  visit(parse(sdl), {
    ObjectTypeDefinition: typeVisitor,
    InterfaceTypeDefinition: typeVisitor,
    InputObjectTypeDefinition: typeVisitor,
    EnumTypeDefinition: typeVisitor,
    ScalarTypeDefinition: typeVisitor,
    UnionTypeDefinition: typeVisitor,
    ObjectTypeExtension: typeVisitor,
    InterfaceTypeExtension: typeVisitor,
    InputObjectTypeExtension: typeVisitor,
    EnumTypeExtension: typeVisitor,
    FieldDefinition: {
      enter: (n: FieldDefinitionNode) => enter(n, 'field'),
      leave,
    },
    InputValueDefinition: {
      enter: (n: InputValueDefinitionNode) => enter(n, path.length > 1 ? 'argument' : 'input field'),
      leave,
    },
    EnumValueDefinition: {
      enter: (n: EnumValueDefinitionNode) => enter(n, 'enum value'),
      leave,
    },
    DirectiveDefinition: () => false,
    SchemaExtension: () => false,
    SchemaDefinition: () => false,
  });
  return missing;
}

describe('every subgraph documents its schema', () => {
  it('the checker finds what is missing', () => {
    const sdl = `"A thing" type Thing { "Its id" id: ID! name(locale: String): String }
      extend type Query { thing(id: ID!): Thing }
      enum Color { "Red" RED BLUE }
      input ThingInput { name: String }`;
    expect(undocumented(sdl)).toEqual([
      'field Thing.name',
      'argument Thing.name.locale',
      'field Query.thing',
      'argument Query.thing.id',
      'type Color',
      'enum value Color.BLUE',
      'type ThingInput',
      'input field ThingInput.name',
    ]);
  });

  for (const sub of discoverSubgraphs()) {
    it(`${sub.name}: every type, field, argument, input field and enum value has a description`, async () => {
      expect(undocumented(await loadSdl(sub))).toEqual([]);
    });
  }
});
