/**
 * Registers the client apps' operations as trusted documents.
 *
 *   npm run documents -- register <file.graphql | persisted-documents.json>…
 *   npm run documents -- list
 *
 * Each .graphql/.gql file is one document, registered under the sha256 of its
 * exact text (what an APQ client sends as `sha256Hash`). A .json file is a
 * GraphQL Codegen persisted-documents manifest (`{ "<hash>": "<document>" }`):
 * every document is registered under the sha256 of its text and, when the
 * manifest's key differs, under that key too (clients send the key).
 *
 * Where: Redis when REDIS_URL is set (the hash `<REDIS_KEY_PREFIX>trusted-documents`,
 * read by every router), else the JSON file TRUSTED_DOCUMENTS_FILE (merged,
 * default ./trusted-documents.json) for routers started with that variable.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { type DocumentManifest, readManifest, sha256, trustedDocumentsKey } from '../trusted-documents.ts';

export type DocumentTarget = { redis: Redis; prefix: string } | { file: string };

/** Reads documents from .graphql/.gql files and codegen manifests into hash → text. */
export function collectDocuments(paths: string[]): DocumentManifest {
  const out: DocumentManifest = {};
  for (const path of paths) {
    if (extname(path) === '.json') {
      for (const [key, text] of Object.entries(readManifest(path))) {
        out[sha256(text)] = text;
        out[key] = text;
      }
      continue;
    }
    const text = readFileSync(path, 'utf8');
    if (!text.trim()) throw new Error(`${path} is empty`);
    out[sha256(text)] = text;
  }
  return out;
}

/** Writes documents to the store; returns the hashes written, sorted. */
export async function registerDocuments(
  documents: DocumentManifest,
  target: DocumentTarget,
): Promise<string[]> {
  const hashes = Object.keys(documents).sort();
  if ('redis' in target) {
    if (hashes.length > 0) await target.redis.hset(trustedDocumentsKey(target.prefix), documents);
    return hashes;
  }
  const current = existsSync(target.file) ? readManifest(target.file) : {};
  const merged = { ...current, ...documents };
  const sorted = Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((k) => [k, merged[k]]),
  );
  writeFileSync(target.file, `${JSON.stringify(sorted, null, 2)}\n`);
  return hashes;
}

async function main(argv: string[]) {
  const [command, ...paths] = argv;
  const redisUrl = process.env.REDIS_URL;
  const prefix = process.env.REDIS_KEY_PREFIX || 'tradegraph:router:';
  // npm runs scripts from the repository root; paths are meant from where the command was typed.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const file = resolve(cwd, process.env.TRUSTED_DOCUMENTS_FILE || 'trusted-documents.json');
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  const target: DocumentTarget = redis ? { redis, prefix } : { file };
  const where = redis ? `Redis (${trustedDocumentsKey(prefix)})` : file;
  try {
    if (command === 'register' && paths.length > 0) {
      const documents = collectDocuments(paths.map((p) => resolve(cwd, p)));
      const hashes = await registerDocuments(documents, target);
      console.log(`registered ${hashes.length} document(s) in ${where}`);
      for (const h of hashes) console.log(`  ${h}`);
      return;
    }
    if (command === 'list') {
      const hashes = redis
        ? await redis.hkeys(trustedDocumentsKey(prefix))
        : existsSync(file)
          ? Object.keys(readManifest(file))
          : [];
      console.log(`${hashes.length} document(s) in ${where}`);
      for (const h of hashes.sort()) console.log(`  ${h}`);
      return;
    }
    console.error('usage: npm run documents -- register <file.graphql | manifest.json>… | list');
    process.exitCode = 2;
  } finally {
    redis?.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`documents: ${err.message}`);
    process.exitCode = 1;
  });
}
