/**
 * Serves the federation-gateway-audit suite's subgraphs, supergraphs and tests
 * from a checkout of graphql-hive/federation-gateway-audit, the way the suite
 * itself does (`serve(port)` of its src/index.ts: one HTTP server, every test
 * case's subgraphs under /<id>/<subgraph>, /<id>/supergraph, /<id>/tests).
 *
 * `node router/audit/suite-server.ts <suite checkout> <port>` (run.ts starts it).
 *
 * The suite is TypeScript run by tsx, which only its dev dependencies install;
 * here its sources are transpiled on load with this repo's TypeScript
 * (transpileModule: type-only imports elided, as tsx does) and its `./x.js`
 * imports resolved to `./x.ts`. Everything else comes from the suite's own
 * node_modules (`npm ci --omit=dev` in the checkout), except packages it lists
 * only as dev/peer dependencies (graphql), which are taken from this repo when the
 * suite has none.
 */
import { readFileSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const [suiteArg, portArg] = process.argv.slice(2);
if (!suiteArg || !portArg) {
  console.error('usage: suite-server.ts <suite checkout> <port>');
  process.exit(2);
}
const suite = resolvePath(suiteArg);
const suiteUrl = pathToFileURL(`${suite}/`).href;
const suiteSources = `${suiteUrl}src/`;
const ownRequire = createRequire(import.meta.url);

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      const fromSuite = context.parentURL?.startsWith(suiteUrl);
      if (fromSuite && specifier.startsWith('.') && specifier.endsWith('.js')) {
        return next(`${specifier.slice(0, -3)}.ts`, context);
      }
      if (fromSuite && !specifier.startsWith('.') && !specifier.startsWith('node:')) {
        return { url: pathToFileURL(ownRequire.resolve(specifier)).href, shortCircuit: true };
      }
      throw error;
    }
  },
  load(url, context, next) {
    if (url.startsWith(suiteSources) && url.endsWith('.ts')) {
      const fileName = fileURLToPath(url);
      const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
        fileName,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          sourceMap: false,
        },
      });
      return { format: 'module', source: outputText, shortCircuit: true };
    }
    return next(url, context);
  },
});

const { serve } = (await import(`${suiteSources}index.ts`)) as {
  serve: (port: number) => Promise<unknown>;
};
await serve(Number(portArg));
console.log(`suite ready on ${portArg}`);
