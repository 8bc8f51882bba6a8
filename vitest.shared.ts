import { createRequire } from 'node:module';
import type { ViteUserConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Settings every package's vitest config shares. Node resolves `graphql` to its
 * CommonJS entry, while Vite would pick the ESM entry for inlined sources and
 * load a second copy beside Apollo's, breaking `instanceof GraphQLError`.
 */
export const sharedResolve: ViteUserConfig['resolve'] = {
  alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
};
