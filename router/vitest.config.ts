import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS entry (no "exports" map); Vite would pick the ESM
    // "module" entry for inlined sources, loading a second copy of graphql beside the gateway's.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
