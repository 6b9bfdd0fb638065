import { UseInterceptors, applyDecorators } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import type { Namespace } from '@tandem/contract';
import { CommandInterceptor } from './command.interceptor.js';

/** A gateway of one namespace whose handlers go through the command interceptor (validation, ack envelope). */
export const CommandGateway = (namespace: Namespace) =>
  applyDecorators(WebSocketGateway({ namespace }), UseInterceptors(CommandInterceptor));
