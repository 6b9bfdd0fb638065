import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// In development the API runs on its default port; everything but the web app is proxied to it.
const api = 'http://localhost:3000';

export default defineConfig({
  plugins: [svelte()],
  server: {
    proxy: {
      // The Host header is kept, so the API's same-origin handshake check sees the page's own origin.
      '/socket.io': { target: api, ws: true, changeOrigin: false },
      '/api': { target: api, changeOrigin: true },
      '/health': { target: api, changeOrigin: true },
    },
  },
  // The API serves apps/web/dist at `/`.
  build: { outDir: 'dist', emptyOutDir: true },
});
