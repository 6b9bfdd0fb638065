import { statSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';

/**
 * The build's `assets/` files carry their content's hash in their names: a changed file is a new
 * name, so a browser may keep them for good. Everything else (the page, the service worker) is
 * checked with the server on every use.
 */
export function cacheControlFor(urlPath: string): string {
  return urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/** The copies the web build writes beside its text files (apps/web/vite.config.ts), best first. */
const encodings = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** The encodings an `Accept-Encoding` header allows (`q=0` refuses one; `*` allows any). */
function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const quality = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    if (name && (quality === undefined || Number(quality.slice(2)) > 0)) accepted.add(name);
  }
  return accepted;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Sends the build's brotli or gzip copy of a file to a browser that accepts it, with the file's own
 * type; anything else goes on to the plain static files. Compressing once at build time costs a
 * request nothing and allows the highest levels.
 */
export function precompressedFiles(webDist: string) {
  const root = path.resolve(webDist);
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    let file: string;
    try {
      file = path.join(root, decodeURIComponent(request.path));
    } catch {
      return next();
    }
    if (!file.startsWith(root + path.sep)) return next();
    const compressed = encodings.filter((encoding) => isFile(file + encoding.suffix));
    if (compressed.length === 0) return next();
    // The answer depends on the header for every file that has a compressed copy.
    response.vary('Accept-Encoding');
    const accepted = acceptedEncodings(request.headers['accept-encoding']);
    const chosen = compressed.find((encoding) => accepted.has(encoding.name) || accepted.has('*'));
    if (!chosen) return next();
    response.type(path.extname(file));
    response.sendFile(file + chosen.suffix, {
      cacheControl: false,
      headers: { 'Content-Encoding': chosen.name, 'Cache-Control': cacheControlFor(request.path) },
    });
  };
}
