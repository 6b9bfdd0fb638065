import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

// In development the API runs on its default port; everything but the web app is proxied to it.
const api = 'http://localhost:3000';

/**
 * Emits `service-worker.js` (src/service-worker.js) with the list of the build's files and a
 * version derived from their names, which carry their content's hash: every build that changes
 * anything is a new worker, and replaces the kept app as a whole. Builds only: the dev server
 * serves modules that change with every edit.
 */
function offlineShell(): Plugin {
  const worker = new URL('./src/service-worker.js', import.meta.url);
  const publicDir = new URL('./public/', import.meta.url);
  return {
    name: 'tandem-offline-shell',
    apply: 'build',
    generateBundle(_options, bundle) {
      const built = Object.keys(bundle).filter((file) => file !== 'index.html' && !file.endsWith('.map'));
      const copied = readdirSync(publicDir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(fileURLToPath(publicDir), path.join(entry.parentPath, entry.name)));
      const files = ['/', ...[...built, ...copied].sort().map((file) => `/${file.split(path.sep).join('/')}`)];
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
      const source = readFileSync(worker, 'utf8').replace('__TANDEM_SHELL__', JSON.stringify({ version, files }));
      this.emitFile({ type: 'asset', fileName: 'service-worker.js', source });
    },
  };
}

/** Text files worth compressing: the server sends these precompressed (apps/api/src/web). */
const compressible = /\.(?:js|css|html|svg|json|webmanifest)$/;
/** Below this a compressed copy saves less than a network packet. */
const compressFromBytes = 1024;

/**
 * Writes a brotli (`.br`) and a gzip (`.gz`) copy beside every text file of the build, at the
 * highest levels: done once per build, so the server never compresses on a request.
 */
function precompress(): Plugin {
  return {
    name: 'tandem-precompress',
    apply: 'build',
    writeBundle(options) {
      const outDir = options.dir ?? 'dist';
      for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !compressible.test(entry.name)) continue;
        const file = path.join(entry.parentPath, entry.name);
        const content = readFileSync(file);
        if (content.length < compressFromBytes) continue;
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }),
        );
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  plugins: [svelte(), offlineShell(), precompress()],
  server: {
    proxy: {
      // The Host header is kept, so the API's same-origin handshake check sees the page's own origin.
      '/socket.io': { target: api, ws: true, changeOrigin: false },
      '/api': { target: api, changeOrigin: true },
      '/health': { target: api, changeOrigin: true },
    },
  },
  // The API serves apps/web/dist at `/`.
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        // zod and the module that sets it jitless (lib/zod-jitless.ts) in a chunk of their own,
        // evaluated before any chunk that builds the contract's schemas, whatever else is shared.
        advancedChunks: { groups: [{ name: 'zod', test: /node_modules[\\/]zod[\\/]|zod-jitless/ }] },
      },
    },
  },
});
