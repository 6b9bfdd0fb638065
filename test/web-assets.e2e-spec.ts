import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { projectRoot } from '../apps/api/src/config.js';
import { startServer, type TestServer } from './support/server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw GET: the body as sent, never decompressed on the way. */
function get(url: string, acceptEncoding?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    httpRequest(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('web build: precompressed files and caching', () => {
  const webDist = mkdtempSync(path.join(tmpdir(), 'tandem-web-dist-'));
  const script = Buffer.from(`console.log(${JSON.stringify('tandem '.repeat(400))});\n`);
  let server: TestServer;

  beforeAll(async () => {
    mkdirSync(path.join(webDist, 'assets'));
    writeFileSync(path.join(webDist, 'index.html'), '<!doctype html><title>Tandem</title>');
    writeFileSync(path.join(webDist, 'service-worker.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(path.join(webDist, 'assets/app-1a2b3c.js'), script);
    writeFileSync(path.join(webDist, 'assets/app-1a2b3c.js.br'), brotliCompressSync(script));
    writeFileSync(path.join(webDist, 'assets/app-1a2b3c.js.gz'), gzipSync(script));
    writeFileSync(path.join(webDist, 'assets/plain-4d5e6f.css'), 'body { margin: 0; }');
    server = await startServer({}, { webDist });
  });
  afterAll(async () => {
    await server.close();
    rmSync(webDist, { recursive: true, force: true });
  });

  it('sends the brotli copy to a browser that accepts it, with the file type and a cache of a year', async () => {
    const answer = await get(`${server.url}/assets/app-1a2b3c.js`, 'gzip, deflate, br, zstd');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.vary).toContain('Accept-Encoding');
    expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(answer.body.length).toBeLessThan(script.length / 10);
    expect(brotliDecompressSync(answer.body).equals(script)).toBe(true);
  });

  it('sends the gzip copy when brotli is not accepted, and the file itself when neither is', async () => {
    const gzipped = await get(`${server.url}/assets/app-1a2b3c.js`, 'gzip');
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).equals(script)).toBe(true);

    for (const header of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
      const plain = await get(`${server.url}/assets/app-1a2b3c.js`, header);
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toContain('Accept-Encoding');
      expect(plain.body.equals(script)).toBe(true);
    }
  });

  it('sends a file without compressed copies as it is, hashed assets cached, the page and worker checked every time', async () => {
    const css = await get(`${server.url}/assets/plain-4d5e6f.css`, 'br, gzip');
    expect(css.headers['content-encoding']).toBeUndefined();
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.body.toString()).toBe('body { margin: 0; }');

    for (const page of ['/', '/rooms', '/service-worker.js']) {
      const answer = await get(`${server.url}${page}`, 'br, gzip');
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves nothing outside the build, however the path is written', async () => {
    writeFileSync(`${webDist}-secret.js.br`, brotliCompressSync('secret'));
    try {
      for (const attempt of ['/assets/..%2f..%2f' + path.basename(webDist) + '-secret.js', '/%E0%A4%A']) {
        const answer = await get(`${server.url}${attempt}`, 'br');
        expect(answer.status).toBe(404);
        expect(answer.headers['content-encoding']).toBeUndefined();
      }
    } finally {
      rmSync(`${webDist}-secret.js.br`);
    }
  });
});

describe('web build: what `npm run build` writes', () => {
  it('writes a brotli and a gzip copy beside every script and style sheet of a size worth it', () => {
    const assets = path.join(projectRoot, 'apps/web/dist/assets');
    const files = readdirSync(assets).filter((file) => /\.(?:js|css)$/.test(file));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const content = readFileSync(path.join(assets, file));
      if (content.length < 1024) continue;
      expect(brotliDecompressSync(readFileSync(path.join(assets, `${file}.br`))).equals(content)).toBe(true);
      expect(gunzipSync(readFileSync(path.join(assets, `${file}.gz`))).equals(content)).toBe(true);
    }
  });
});
