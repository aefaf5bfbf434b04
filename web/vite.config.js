// The dashboard is served by `mercato serve` under /ui/ (src/server/ui_routes.cc), from dist/.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One chunk per page would save little: the whole app is a few dozen kB gzipped.
    chunkSizeWarningLimit: 400,
    sourcemap: false,
  },
  server: {
    // `npm run dev` proxies the API to a local server (MERCATO_URL, default port 8080).
    proxy: {
      '/v1': process.env.MERCATO_URL || 'http://127.0.0.1:8080',
      '/metrics': process.env.MERCATO_URL || 'http://127.0.0.1:8080',
    },
  },
});
