import { ConnectedSocket, MessageBody, SubscribeMessage, type OnGatewayInit } from '@nestjs/websockets';
import type { User } from '@tandem/contract';
import type { Namespace, Socket } from 'socket.io';
import type { Broadcaster } from '../common/broadcaster.js';
import { SocketUser } from '../common/socket-user.decorator.js';
import type { SpaceKind } from './space-kinds.js';

/**
 * A command's payload as the door parsed it against the contract: only the feature's function
 * that receives it names its type.
 */
type Parsed = never;

/** How a feature answers the commands every kind of space has. */
export interface SpaceAnswers {
  create(user: User, input: Parsed): Promise<unknown>;
  list(user: User): Promise<unknown>;
}

/**
 * How a feature answers a join: it makes the user a member (or refuses), calls `subscribe`, and
 * only then reads what the client needs, so that nothing committed in between falls through.
 */
export interface JoinableSpaceAnswers extends SpaceAnswers {
  join(user: User, input: Parsed, subscribe: () => void): Promise<unknown>;
}

/**
 * The base of a space's gateway: its namespace's committed changes go out through the
 * broadcaster, and `<kind>:create` and `<kind>:list` go to the feature as they are.
 */
export function SpaceGateway(commands: { create: string; list: string }) {
  abstract class SpaceGatewayBase implements OnGatewayInit {
    constructor(
      private readonly broadcaster: Broadcaster,
      private readonly answers: SpaceAnswers,
    ) {}

    afterInit(server: Namespace): void {
      this.broadcaster.register(server);
    }

    @SubscribeMessage(commands.create)
    create(@SocketUser() user: User, @MessageBody() input: Parsed) {
      return this.answers.create(user, input);
    }

    @SubscribeMessage(commands.list)
    list(@SocketUser() user: User) {
      return this.answers.list(user);
    }
  }
  return SpaceGatewayBase;
}

/**
 * `SpaceGateway` for the kinds a socket hears while it is in the space's stream room, and nothing
 * more (boards and lists): `<kind>:join` subscribes the socket once the feature allows it, and
 * `<kind>:leave` unsubscribes this socket only (the user stays a member, their other tabs keep
 * hearing). Chat rooms keep presence, and leaving one is per user: `ChatGateway` has its own.
 */
export function JoinableSpaceGateway(
  kind: SpaceKind,
  commands: { create: string; list: string; join: string; leave: string },
) {
  const spaceIdOf = (input: Record<SpaceKind['spaceIdColumn'], string>): string => input[kind.spaceIdColumn];

  abstract class JoinableSpaceGatewayBase extends SpaceGateway(commands) {
    constructor(
      broadcaster: Broadcaster,
      private readonly joins: JoinableSpaceAnswers,
    ) {
      super(broadcaster, joins);
    }

    @SubscribeMessage(commands.join)
    join(@ConnectedSocket() socket: Socket, @SocketUser() user: User, @MessageBody() input: Parsed) {
      return this.joins.join(user, input, () => void socket.join(kind.stream(spaceIdOf(input))));
    }

    /** Answers `{ <kind>Id }`. */
    @SubscribeMessage(commands.leave)
    async leave(@ConnectedSocket() socket: Socket, @MessageBody() input: Parsed) {
      const spaceId = spaceIdOf(input);
      await socket.leave(kind.stream(spaceId));
      return { [kind.spaceIdColumn]: spaceId };
    }

    /** Every socket stops hearing the space (it is gone: its last change has been sent). */
    protected unsubscribeAll(server: Namespace, spaceId: string): void {
      server.in(kind.stream(spaceId)).socketsLeave(kind.stream(spaceId));
    }
  }
  return JoinableSpaceGatewayBase;
}
