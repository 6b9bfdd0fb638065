import { UseInterceptors, applyDecorators } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import type { Namespace } from '@tandem/contract';
import { AckInterceptor } from './ack.interceptor.js';

/** A gateway of one namespace whose handlers answer with the ack envelope. */
export const CommandGateway = (namespace: Namespace) =>
  applyDecorators(WebSocketGateway({ namespace }), UseInterceptors(AckInterceptor));
