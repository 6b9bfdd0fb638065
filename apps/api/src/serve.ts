import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createApp, shutDown } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const app = await createApp(config);
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
