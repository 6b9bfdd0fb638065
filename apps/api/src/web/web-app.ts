import { existsSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { cacheControlFor, precompressedFiles } from './precompressed.js';

/**
 * The web app's own addresses (see apps/web/src/lib/router.ts): a reload or a shared link on any of
 * them gets the app's page, which then shows what the address names.
 */
const clientRoute =
  /^\/(?:(?:rooms|boards|lists)(?:\/[A-Za-z0-9_-]+(?:\/present)?)?|ops|join\/(?:room|board|list)\/[A-Za-z0-9_-]+)\/?$/;

/**
 * The API's addresses: no file of the build is under them, so their requests skip the lookups of
 * files (three `stat` calls per request, a sixth of an API read's CPU).
 */
const apiPath = '/api/';

function offApi(handler: RequestHandler): RequestHandler {
  return (request, response, next) => (request.path.startsWith(apiPath) ? next() : handler(request, response, next));
}

/** Serves the web build: its files, and its page for the app's addresses. */
export function serveWebApp(app: NestExpressApplication, webDist: string): void {
  if (!existsSync(webDist)) {
    Logger.warn(`no web build at ${webDist}: run "npm run build"`, 'Web');
    return;
  }
  app.use(offApi(precompressedFiles(webDist)));
  app.use(
    offApi(
      express.static(webDist, {
        index: 'index.html',
        setHeaders: (response: Response, file: string) => {
          const urlPath = `/${path.relative(webDist, file).split(path.sep).join('/')}`;
          response.setHeader('Cache-Control', cacheControlFor(urlPath));
        },
      }),
    ),
  );
  const page = path.join(webDist, 'index.html');
  app.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !clientRoute.test(request.path)) return next();
    response.sendFile(page, { cacheControl: false, headers: { 'Cache-Control': cacheControlFor('/') } });
  });
}
