import { defineConfig } from 'vite';

// Static files any server can serve from any path: relative asset URLs, and
// the worker bundled as an ES module (it imports the wasm package).
export default defineConfig({
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
});
