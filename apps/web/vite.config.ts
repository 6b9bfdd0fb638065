import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// In development the API runs on its default port; everything but the web app is proxied to it.
const api = 'http://localhost:3000';

export default defineConfig({
  plugins: [svelte()],
  server: {
    proxy: {
      '/socket.io': { target: api, ws: true, changeOrigin: true },
      '/api': { target: api, changeOrigin: true },
      '/health': { target: api, changeOrigin: true },
    },
  },
  // The API serves apps/web/dist at `/`.
  build: { outDir: 'dist', emptyOutDir: true },
});
