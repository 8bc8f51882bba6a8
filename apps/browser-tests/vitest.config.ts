import { defineConfig } from 'vitest/config';
import { sharedResolve } from '../../vitest.shared.ts';

export default defineConfig({
  resolve: sharedResolve,
  test: { include: ['test/**/*.test.ts'], testTimeout: 90_000, hookTimeout: 300_000, fileParallelism: false },
});
