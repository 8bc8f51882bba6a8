import { readFileSync } from 'node:fs';
import { discoverSubgraphs, repoRoot } from '@tradegraph/schema/subgraphs.ts';
import { parse, parseAllDocuments } from 'yaml';

export { repoRoot };
export const subgraphs = discoverSubgraphs();

export function readText(path: string): string {
  return readFileSync(`${repoRoot}${path}`, 'utf8');
}

/** One YAML document; merge keys (`<<: *anchor`) resolved as compose resolves them. */
// biome-ignore lint/suspicious/noExplicitAny: tests walk these documents by the keys they assert on
export function readYaml<T = any>(path: string): T {
  return parse(readText(path), { merge: true, strict: true, prettyErrors: true }) as T;
}

/** Every document of a multi-document YAML file; a syntax error in any fails. */
export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readText(path), { merge: true, strict: true, prettyErrors: true }).map((doc) => {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}
