import { Module } from '@nestjs/common';
import { PlainWsEndpoint } from './plain-ws.endpoint.js';

/** `/ws`: the namespaces' commands and broadcasts as JSON frames over a plain WebSocket. */
@Module({ providers: [PlainWsEndpoint] })
export class PlainWsModule {}
