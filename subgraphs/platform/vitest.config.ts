import { defineConfig } from 'vitest/config';
import { sharedResolve } from '../../vitest.shared.ts';

export default defineConfig({
  resolve: sharedResolve,
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
