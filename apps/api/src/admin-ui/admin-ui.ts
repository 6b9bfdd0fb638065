import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { InMemoryStore, instrument } from '@socket.io/admin-ui';
import bcrypt from 'bcryptjs';
import type { Request, Response, NextFunction } from 'express';
import type { Server } from 'socket.io';
import type { RedisClient } from '../common/redis.js';
import type { AppConfig } from '../config.js';
import { RedisSessionStore } from './redis-session-store.js';

/** Where the app serves the Admin UI's page; its Socket.IO namespace is the library's `/admin`. */
export const adminUiPath = '/admin/socket-io';

const bcryptHash = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const bcryptRounds = 12;

const resolve = createRequire(import.meta.url).resolve;
const uiDist = path.join(path.dirname(resolve('@socket.io/admin-ui/package.json')), 'ui/dist');
const iconFont = path.dirname(resolve('@mdi/font/package.json'));

/**
 * Socket.IO's Admin UI, when ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD are set: the `/admin`
 * namespace (basic authentication against a bcrypt hash, never `auth: false`) and the UI shipped
 * in the package, served by the app so that it needs no internet.
 */
export class AdminUi {
  private constructor(
    private readonly username: string,
    private readonly passwordHash: string,
  ) {}

  /** Hashes the configured password unless it is a bcrypt hash already; undefined when not configured. */
  static async configure(config: AppConfig): Promise<AdminUi | undefined> {
    if (!config.adminUi) return undefined;
    const { username, password } = config.adminUi;
    return new AdminUi(username, bcryptHash.test(password) ? password : await bcrypt.hash(password, bcryptRounds));
  }

  /**
   * Instruments the server. With Redis, the UI's sessions live there (a reconnect may land on any
   * node) and every node reports under its own id, so the UI lists them all.
   */
  instrument(io: Server, redis: { client: RedisClient; prefix: string } | undefined): void {
    instrument(io, {
      auth: { type: 'basic', username: this.username, password: this.passwordHash },
      mode: 'production',
      serverId: `${hostname()}#${process.pid}`,
      store: redis ? new RedisSessionStore(redis.client, `${redis.prefix}admin-ui:session:`) : new InMemoryStore(),
    });
  }

  /** The page at /admin/socket-io/, its scripts and styles, and its icon font: all from local packages. */
  serve(app: NestExpressApplication): void {
    const page = offlinePage();
    app.use(adminUiPath, (request: Request, response: Response, next: NextFunction) => {
      if (request.path === '/' || request.path === '/index.html') {
        // The page's assets are relative: it must be addressed as a folder.
        if (!request.originalUrl.split('?')[0]?.endsWith('/') && request.path === '/') {
          response.redirect(301, `${adminUiPath}/`);
          return;
        }
        response.type('html').send(page);
      } else if (request.path === `/${defaultsScript}`) {
        response.type('js').send(defaultsSource);
      } else next();
    });
    app.useStaticAssets(uiDist, { prefix: adminUiPath, index: false });
    app.useStaticAssets(iconFont, { prefix: `${adminUiPath}/mdi` });
  }
}

const defaultsScript = 'tandem-defaults.js';
/** The UI asks for a server address: this one, unless the operator has already chosen one. */
const defaultsSource =
  "if (!localStorage.getItem('server_url')) localStorage.setItem('server_url', location.origin);\n";

/**
 * The package's page without what it loads from CDNs: the icon font is served from `@mdi/font`,
 * the Roboto web font is dropped (the UI falls back to the system's sans-serif).
 */
function offlinePage(): string {
  return readFileSync(path.join(uiDist, 'index.html'), 'utf8')
    .replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/, '')
    .replace(/<link[^>]+@mdi\/font[^>]*>/, '<link rel="stylesheet" href="mdi/css/materialdesignicons.min.css">')
    .replace('<script', `<script src="${defaultsScript}"></script><script`);
}
