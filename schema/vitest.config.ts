import { defineConfig } from 'vitest/config';
import { sharedResolve } from '../vitest.shared.ts';

export default defineConfig({
  resolve: sharedResolve,
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
