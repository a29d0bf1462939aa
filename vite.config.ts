import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web page: built from src/ui into dist/ui, which src/http/routes/ui.ts serves at /.
export default defineConfig({
  root: fileURLToPath(new URL('./src/ui', import.meta.url)),
  base: '/',
  publicDir: false,
  // Vite 8 compiles JSX with Oxc; Preact's runtime replaces React's.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
  },
});
