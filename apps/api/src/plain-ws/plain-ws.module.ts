import { Module } from '@nestjs/common';
import { PlainPageController } from './plain-page.controller.js';
import { PlainWsEndpoint } from './plain-ws.endpoint.js';

/** `/ws`: the namespaces' commands and broadcasts as JSON frames over a plain WebSocket; `/plain`, a page that uses it. */
@Module({ controllers: [PlainPageController], providers: [PlainWsEndpoint] })
export class PlainWsModule {}
