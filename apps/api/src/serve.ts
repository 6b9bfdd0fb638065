import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createApp, shutDown } from './app.js';
import { loadConfig } from './config.js';

/** Builds the app, calls `loaded`, then listens and stops on SIGTERM or SIGINT. */
export async function serve(loaded: () => void): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  loaded();
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  Logger.log(`listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`, 'Startup');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      Logger.log(`${signal}: shutting down`, 'Main');
      shutDown(app).then(
        () => process.exit(0),
        (error: unknown) => {
          Logger.error(`shutdown failed: ${String(error)}`, 'Main');
          process.exit(1);
        },
      );
    });
  }
}
