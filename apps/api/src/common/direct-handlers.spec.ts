import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { UseFilters, UseGuards, type CanActivate } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, type MessageMappingProperties } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { BackToCommandDoor } from './command-door.js';
import { directInvoke } from './direct-handlers.js';
import { SocketUser } from './socket-user.decorator.js';

class Allow implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

class OtherFilter {
  catch(): void {}
}

@UseFilters(BackToCommandDoor)
class Gateway {
  @SubscribeMessage('send')
  send(@SocketUser() user: { id: string }, @MessageBody() input: unknown, @ConnectedSocket() socket: Socket) {
    return { user, input, socket };
  }

  @SubscribeMessage('pair')
  pair(@MessageBody() input: unknown, @SocketUser() user: { id: string }) {
    return [input, user];
  }

  @SubscribeMessage('gap')
  gap(@MessageBody() input: unknown, _unused: unknown, @SocketUser() user: { id: string }) {
    return [input, _unused, user];
  }

  @SubscribeMessage('field')
  field(@MessageBody('text') text: unknown) {
    return text;
  }

  @SubscribeMessage('bare')
  bare(...args: unknown[]) {
    return args;
  }

  @SubscribeMessage('guarded')
  @UseGuards(Allow)
  guarded() {
    return 'direct';
  }

  @SubscribeMessage('filtered')
  @UseFilters(OtherFilter)
  filtered() {
    return 'direct';
  }
}

const socket = { data: { user: { id: 'u1' } } } as unknown as Socket;
const ack = () => {};

/** The handler as the adapter gets it: Nest's own callback answers `'nest'`. */
function handler(methodName: keyof Gateway): MessageMappingProperties {
  const callback = (() => 'nest') as unknown as MessageMappingProperties['callback'];
  return { message: methodName, methodName, callback, isAckHandledManually: false };
}

describe(directInvoke.name, () => {
  const gateway = new Gateway();

  it('calls the method with its parameters resolved as Nest resolves them', () => {
    expect(directInvoke(gateway, handler('send'), false)(socket, { a: 1 }, ack)).toEqual({
      user: { id: 'u1' },
      input: { a: 1 },
      socket,
    });
    expect(directInvoke(gateway, handler('field'), false)(socket, { text: 'hi' }, ack)).toBe('hi');
    expect(directInvoke(gateway, handler('pair'), false)(socket, { b: 2 }, ack)).toEqual([{ b: 2 }, { id: 'u1' }]);
    expect(directInvoke(gateway, handler('gap'), false)(socket, { c: 3 }, ack)).toEqual([
      { c: 3 },
      undefined,
      { id: 'u1' },
    ]);
    expect(directInvoke(gateway, handler('bare'), false)(socket, 'payload', ack)).toEqual([
      socket,
      'payload',
      ack,
      'bare',
    ]);
  });

  it("keeps Nest's callback for a handler with a guard or another exception filter, or when the application adds enhancers", () => {
    expect(directInvoke(gateway, handler('guarded'), false)(socket, {}, ack)).toBe('nest');
    expect(directInvoke(gateway, handler('filtered'), false)(socket, {}, ack)).toBe('nest');
    expect(directInvoke(gateway, handler('send'), true)(socket, {}, ack)).toBe('nest');
  });
});
