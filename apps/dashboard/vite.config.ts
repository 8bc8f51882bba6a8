import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  server: { port: 4101 },
  preview: { port: 4101 },
  // One bundle per app: React, the router, TanStack Query (and recharts on the dashboard) are most of it.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
});
