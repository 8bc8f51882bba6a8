/**
 * Generates typed resolvers from each subgraph's SDL (GraphQL Code Generator,
 * plugins typescript + typescript-resolvers) into subgraphs/<name>/src/generated/resolvers.ts.
 *   npm run codegen          writes the files
 *   npm run codegen:check    fails, naming the file, when a committed file differs from what generation gives now
 *
 * Input: the SDL the subgraph serves (`sdl` from its src/schema/index.ts: the common
 * SDL plus its own files). Per subgraph, `codegen.config.ts` (next to its package.json)
 * default-exports:
 *   {
 *     contextType: '../context.ts#IdentityContext',      // required: the resolvers' context
 *     mappers?: { User: '../entities/user.ts#User' },     // GraphQL type → the value resolvers return for it
 *     scalars?: { Percent: 'string' },                    // the subgraph's own scalars: TS type, or { input, output }
 *   }
 * Paths are relative to the generated file (src/generated/resolvers.ts). A mapped type is
 * imported as `<Name>Model`, so an entity may share its GraphQL type's name.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { buildASTSchema, getNamedType, isObjectType, parse } from 'graphql';
import { discoverSubgraphs, loadSdl, repoRoot, type SubgraphInfo } from './subgraphs.ts';

type ScalarType = string | { input: string; output: string };

export interface SubgraphCodegenConfig {
  contextType: string;
  mappers?: Record<string, string>;
  scalars?: Record<string, ScalarType>;
}

/** The shared scalars (packages/shared/src/graphql/scalars.ts): what parseValue gives, what serialize accepts. */
const sharedScalars: Record<string, ScalarType> = {
  ID: 'string',
  String: 'string',
  Boolean: 'boolean',
  Int: 'number',
  Float: 'number',
  DateTime: { input: 'Date', output: 'Date | string' },
  Decimal: 'string',
  // Declared by codegen's federation spec for @key(fields:); never a resolver value.
  _FieldSet: 'string',
};

/**
 * Federation 2 directives the SDL uses beyond those codegen declares itself (@key,
 * @external, @requires, @provides), so the schema builds (each adds an unused directive-resolver type).
 */
const federationDirectives = `
  directive @link(url: String!, as: String, import: [String], for: String) repeatable on SCHEMA
  directive @shareable repeatable on OBJECT | FIELD_DEFINITION
  directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
  directive @override(from: String!) on FIELD_DEFINITION
  directive @interfaceObject on OBJECT
  directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
`;

/**
 * typescript-resolvers makes every resolver optional. Appended to each file: the resolver
 * map a subgraph exports, which must also hold the resolvers GraphQL has no default for.
 */
const completeResolvers = `
type RootTypeName = 'Query' | 'Mutation' | 'Subscription';
type ResolvedTypeName = keyof PartialResolvers & keyof ResolversTypes;
/** Fields of a type its parent value does not carry (all of a root type's fields): they need a resolver. */
type FieldsWithoutDefault<N extends ResolvedTypeName> = Exclude<
  keyof NonNullable<PartialResolvers[N]>,
  (N extends RootTypeName ? never : keyof Awaited<ResolversTypes[N]>) | \`__\${string}\`
>;
/** Scalars (no default serialisation) and types with at least one field without a default. */
type TypesWithoutDefault = {
  [N in ResolvedTypeName]-?: NonNullable<PartialResolvers[N]> extends GraphQLScalarType
    ? N
    : [FieldsWithoutDefault<N>] extends [never]
      ? never
      : N;
}[ResolvedTypeName];

/**
 * The subgraph's resolver map: every scalar, every root field, and every field a mapped
 * type (codegen.config.ts \`mappers\`) does not carry must have a resolver.
 */
export type Resolvers = Omit<PartialResolvers, TypesWithoutDefault> & {
  [N in TypesWithoutDefault]-?: NonNullable<PartialResolvers[N]> extends GraphQLScalarType
    ? GraphQLScalarType
    : NonNullable<PartialResolvers[N]> & Required<Pick<NonNullable<PartialResolvers[N]>, FieldsWithoutDefault<N>>>;
};
`;

const configKeys = new Set(['contextType', 'mappers', 'scalars']);

async function loadConfig(sub: SubgraphInfo): Promise<SubgraphCodegenConfig> {
  const path = `${sub.dir}/codegen.config.ts`;
  if (!existsSync(path))
    throw new Error(`${relative(repoRoot, path)} is missing (it names contextType at least)`);
  const config = ((await import(path)) as { default?: SubgraphCodegenConfig }).default;
  if (!config || typeof config.contextType !== 'string') {
    throw new Error(`${relative(repoRoot, path)} must default-export { contextType: '<path>#<Type>', ... }`);
  }
  const unknown = Object.keys(config).filter((k) => !configKeys.has(k));
  if (unknown.length) throw new Error(`${relative(repoRoot, path)}: unknown key(s) ${unknown.join(', ')}`);
  return config;
}

/**
 * Lists are connections shaped by `toConnection` (packages/shared), whose totalCount may be a
 * lazy function (GraphQL's default resolver calls it only when selected): every `XConnection`
 * with `nodes: [X!]!` is mapped to `Connection<X's resolver value>`.
 */
function connectionMappers(sdl: string): Record<string, string> {
  const schema = buildASTSchema(parse(sdl), { assumeValidSDL: true });
  const mappers: Record<string, string> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || !type.name.endsWith('Connection')) continue;
    const fields = type.getFields();
    if (!fields.nodes || !fields.edges || !fields.totalCount) continue;
    // A node may be a promise too (GraphQL awaits list items); Awaited<> here would make the types circular.
    mappers[type.name] = `Connection<ResolversTypes['${getNamedType(fields.nodes.type).name}']>`;
  }
  return mappers;
}

async function generateFor(sub: SubgraphInfo): Promise<{ path: string; text: string }> {
  const config = await loadConfig(sub);
  const path = `${sub.dir}/src/generated/resolvers.ts`;
  const sdl = await loadSdl(sub);
  const connections = connectionMappers(sdl);
  const [output] = await generate(
    {
      schema: [federationDirectives, sdl],
      silent: true,
      generates: {
        [path]: {
          plugins: ['typescript', 'typescript-resolvers'],
          config: {
            federation: true,
            useTypeImports: true,
            // Node's type stripping (erasableSyntaxOnly) cannot run TS enums.
            enumsAsTypes: true,
            strictScalars: true,
            scalars: { ...sharedScalars, ...config.scalars },
            contextType: config.contextType,
            mappers: { ...connections, ...config.mappers },
            mapperTypeSuffix: 'Model',
            // Resolvers may return a field's value or omit it; args arrive as sent (absent = undefined).
            avoidOptionals: false,
            maybeValue: 'T | null',
            inputMaybeValue: 'T | null | undefined',
            useIndexSignature: false,
            // `Resolvers` is the stricter type below.
            allResolversTypeName: 'PartialResolvers',
            emitLegacyCommonJSImports: false,
          },
        },
      },
    },
    false,
  );
  if (!output) throw new Error(`codegen produced nothing for ${sub.name}`);
  const header =
    `// Generated by \`npm run codegen\` (schema/codegen.ts) from the ${sub.name} subgraph's SDL` +
    ` and ${relative(repoRoot, `${sub.dir}/codegen.config.ts`)}. Do not edit.\n`;
  const imports = Object.keys(connections).length
    ? "import type { Connection } from '@tradegraph/shared';\n"
    : '';
  return { path, text: `${header}${imports}${output.content.trimEnd()}\n${completeResolvers}` };
}

const check = process.argv.includes('--check');
const subgraphs = discoverSubgraphs();
const stale: string[] = [];
for (const sub of subgraphs) {
  const { path, text } = await generateFor(sub);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
  if (check) {
    if (current !== text) stale.push(relative(repoRoot, path));
  } else if (current !== text) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`Wrote ${relative(repoRoot, path)}`);
  }
}
if (check) {
  if (stale.length) {
    for (const file of stale) console.error(`${file} is stale: run \`npm run codegen\` and commit it.`);
    process.exit(1);
  }
  console.log(`Generated resolver types are up to date (${subgraphs.map((s) => s.name).join(', ')}).`);
} else {
  console.log(`Resolver types up to date for ${subgraphs.map((s) => s.name).join(', ')}.`);
}
