import { defineConfig } from 'vitest/config';
import { sharedResolve } from '../../vitest.shared.ts';

export default defineConfig({
  resolve: sharedResolve,
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // the scaffold test typechecks and tests a whole generated subgraph
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
