import { readFile } from 'node:fs/promises';
import { type ConstValueNode, Kind, parse } from 'graphql';

export interface SubgraphEndpoint {
  /** The subgraph's name as written in `@join__graph(name:)`; also the internal token audience (lower-cased). */
  name: string;
  url: string;
}

export class SupergraphError extends Error {
  override name = 'SupergraphError';
}

export async function readSupergraph(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new SupergraphError(`Cannot read the supergraph at ${path}: ${(err as Error).message}`);
  }
}

/** `SUBGRAPH_<NAME>_URL`, with the name upper-cased and anything not alphanumeric turned into `_`. */
export function subgraphUrlEnvName(name: string): string {
  return `SUBGRAPH_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

function stringArg(
  args: readonly { name: { value: string }; value: ConstValueNode }[] | undefined,
  arg: string,
) {
  const node = args?.find((a) => a.name.value === arg)?.value;
  return node?.kind === Kind.STRING ? node.value : undefined;
}

/**
 * The subgraphs of a supergraph with their routing URLs: the `url:` written by
 * composition, unless `SUBGRAPH_<NAME>_URL` in `env` overrides it.
 */
export function subgraphEndpoints(
  supergraphSdl: string,
  env: Record<string, string | undefined> = process.env,
): SubgraphEndpoint[] {
  let doc: ReturnType<typeof parse>;
  try {
    doc = parse(supergraphSdl, { noLocation: true });
  } catch (err) {
    throw new SupergraphError(`The supergraph is not valid GraphQL: ${(err as Error).message}`);
  }
  const joinGraph = doc.definitions.find(
    (d) => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'join__Graph',
  );
  if (!joinGraph || joinGraph.kind !== Kind.ENUM_TYPE_DEFINITION) {
    throw new SupergraphError(
      'The supergraph has no join__Graph enum: is it a composed Federation 2 supergraph?',
    );
  }
  const problems: string[] = [];
  const endpoints: SubgraphEndpoint[] = [];
  for (const value of joinGraph.values ?? []) {
    const directive = value.directives?.find((d) => d.name.value === 'join__graph');
    const name = stringArg(directive?.arguments, 'name') ?? value.name.value.toLowerCase();
    const envName = subgraphUrlEnvName(name);
    const url = env[envName] || stringArg(directive?.arguments, 'url');
    if (!url) {
      problems.push(`subgraph "${name}" has no routing URL in the supergraph; set ${envName}`);
      continue;
    }
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      problems.push(
        `subgraph "${name}" has an invalid URL "${url}" (from ${env[envName] ? envName : 'the supergraph'})`,
      );
      continue;
    }
    endpoints.push({ name, url });
  }
  if (problems.length) throw new SupergraphError(`Invalid subgraph routing:\n  - ${problems.join('\n  - ')}`);
  if (!endpoints.length) throw new SupergraphError('The supergraph declares no subgraphs');
  return endpoints;
}
