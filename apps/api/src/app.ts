import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { AppModule } from './app.module.js';
import { SessionExpiry } from './auth/session-expiry.js';
import { Authenticator } from './auth/authenticator.js';
import { socketAuthMiddleware } from './auth/socket-auth.middleware.js';
import { rooms } from '@tandem/contract';
import { CommandDoor } from './common/command-door.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { TandemIoAdapter } from './common/tandem-io.adapter.js';
import { JsonLogger } from './common/json-logger.js';
import { clusterAdapter, connectRedis, redisKeyPrefix } from './common/redis.js';
import { ServerLifecycle } from './common/server-lifecycle.js';
import type { SocketData } from './common/socket-user.decorator.js';
import { logStartup } from './common/startup-log.js';
import type { AppConfig } from './config.js';
import { DatabaseService } from './db/database.service.js';
import { applyMigrationsApart } from './db/migrate-apart.js';
import { serveWebApp } from './web/web-app.js';

/**
 * Builds the whole server exactly as `npm start` runs it (tests boot it the same way): applies
 * pending migrations, then wires HTTP, Socket.IO and the web app. Call `listen` on the result, and
 * `shutDown` to stop it gracefully.
 */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const applied = await applyMigrationsApart({
    database: config.database,
    schemaDir: config.schemaDir,
    migrationsDir: config.migrationsDir,
  });
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : null;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, redis), {
    logger: new JsonLogger(config.logLevel),
    // JSON bodies only: a form or text body is left unparsed, and refused by the route's schema.
    bodyParser: false,
  });
  app.useBodyParser('json');
  // No ETag on the API's JSON (Express hashed every body for it): its answers are not cached
  // (`Cache-Control: no-store` on the lists' mirror). The web build's files keep theirs (serve-static's own).
  app.set('etag', false);
  // A hop count is a number to Express; anything else is a list of addresses or names (`loopback`).
  if (config.trustProxy)
    app.set('trust proxy', /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy);
  app.useGlobalFilters(new HttpErrorFilter());
  // No upgrade-insecure-requests: the app is often served over plain HTTP on a LAN address, where
  // that directive would send every script request to https and leave a blank page.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if (config.corsOrigin) app.enableCors({ origin: config.corsOrigin.split(','), credentials: true });
  const sessionExpiry = app.get(SessionExpiry);
  const redisPrefix = redis ? await redisKeyPrefix(config.redisPrefix, app.get(DatabaseService)) : undefined;
  logStartup(config, applied, redisPrefix);
  // The Admin UI (its namespace, bcrypt, the session stores) is loaded only when configured.
  const adminUi = config.adminUi ? await (await import('./admin-ui/admin-ui.js')).AdminUi.configure(config) : undefined;
  app.useWebSocketAdapter(
    new TandemIoAdapter(
      app,
      socketAuthMiddleware(app.get(Authenticator)),
      (socket) => {
        // Per-user fan-out in every namespace: "leave everywhere", a private space's directory changes.
        void socket.join(rooms.user((socket.data as SocketData).user.id));
        sessionExpiry.attach(socket);
      },
      app.get(CommandDoor),
      config.corsOrigin,
      redis && redisPrefix ? await clusterAdapter(redis, redisPrefix) : undefined,
      (io) => adminUi?.instrument(io, redis && redisPrefix ? { client: redis, prefix: redisPrefix } : undefined),
    ),
  );
  adminUi?.serve(app);
  serveWebApp(app, config.webDist);
  return app;
}

/** Drains (see ServerLifecycle), then closes sockets, HTTP and the database. */
export async function shutDown(app: NestExpressApplication): Promise<void> {
  await app.get(ServerLifecycle).drain();
  await app.close();
}
