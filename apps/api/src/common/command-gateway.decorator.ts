import { UseFilters, applyDecorators } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import type { Namespace } from '@tandem/contract';
import { BackToCommandDoor } from './command-door.js';

/** A gateway of one namespace; the socket adapter runs its handlers through the `CommandDoor` (validation, ack envelope). */
export const CommandGateway = (namespace: Namespace) =>
  applyDecorators(WebSocketGateway({ namespace }), UseFilters(BackToCommandDoor));
