import {
  ErrorCode,
  parsePayload,
  plainAuthFrame,
  plainCommandFrame,
  plainFrameId,
  signalEvents,
  type Ack,
  type AckError,
  type PlainAckFrame,
  type PlainCommandFrame,
  type PlainErrorFrame,
  type PlainEventFrame,
  type PlainFrameId,
  type PlainReadyFrame,
  type User,
} from '@tandem/contract';

/** What a client's frame asks for, once read. */
export type ReadFrame =
  | { kind: 'auth'; auth: Record<string, unknown> }
  | { kind: 'command'; frame: PlainCommandFrame }
  /** A frame that says nothing usable: answered in its ack when its id could be read, else in an `error` frame. */
  | { kind: 'invalid'; id: PlainFrameId | undefined; error: AckError };

function invalid(value: unknown, message: string, details?: unknown): ReadFrame {
  const candidate = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  const id = plainFrameId.safeParse(candidate);
  return {
    kind: 'invalid',
    id: id.success ? id.data : undefined,
    error: { code: ErrorCode.Validation, message, ...(details === undefined ? {} : { details }) },
  };
}

/** Reads one text frame: JSON, then the contract's frame schemas. Never throws. */
export function readFrame(text: string): ReadFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid(undefined, 'the frame is not JSON');
  }
  if (typeof value === 'object' && value !== null && 'auth' in value) {
    const auth = parsePayload(plainAuthFrame, value);
    return auth.ok
      ? { kind: 'auth', auth: auth.value.auth }
      : invalid(value, 'invalid auth frame', { issues: auth.issues });
  }
  const command = parsePayload(plainCommandFrame, value);
  if (!command.ok) return invalid(value, 'a frame is {id, ns, event, data}', { issues: command.issues });
  const { id, ns, event } = command.value;
  if (id === undefined && !signalEvents[ns]?.includes(event)) {
    return invalid(value, `${event} is a command: give it an id, which its ack will carry`);
  }
  return { kind: 'command', frame: command.value };
}

export function readyFrame(user: User, expiresAt: number): string {
  return JSON.stringify({
    type: 'ready',
    user,
    expiresAt: new Date(expiresAt).toISOString(),
  } satisfies PlainReadyFrame);
}

export function ackFrame(id: PlainFrameId, ack: Ack<unknown>): string {
  return JSON.stringify({ id, ack } satisfies PlainAckFrame);
}

export function eventFrame(ns: string, event: string, data: unknown): string {
  return JSON.stringify({ ns, event, data } satisfies PlainEventFrame);
}

export function errorFrame(error: AckError): string {
  return JSON.stringify({ type: 'error', error } satisfies PlainErrorFrame);
}

/**
 * Turns a broadcast, as the Socket.IO adapter encoded it for every socket of a room
 * (`2/chat,["message:created",{…}]`), into the plain frame. The adapter hands the same encoded
 * array to each socket of one broadcast, so the last one is remembered: a room of a thousand
 * plain connections costs one decode, one encode and one UTF-8 conversion per broadcast, then a
 * send of the same bytes each.
 */
export class BroadcastFrames {
  private lastEncoded: unknown;
  private lastFrames: Buffer[] = [];

  framesOf(encoded: unknown): Buffer[] {
    if (encoded === this.lastEncoded) return this.lastFrames;
    const packets = Array.isArray(encoded) ? (encoded as unknown[]) : [encoded];
    this.lastFrames = packets.flatMap((packet) => {
      const frame = typeof packet === 'string' ? decodeEventPacket(packet) : undefined;
      return frame === undefined ? [] : [Buffer.from(frame)];
    });
    this.lastEncoded = encoded;
    return this.lastFrames;
  }
}

/** Socket.IO's text encoding of an EVENT packet: `2`, then `<namespace>,` unless `/`, then `[event, data]`. */
function decodeEventPacket(packet: string): string | undefined {
  if (packet[0] !== '2') return undefined;
  const start = packet.indexOf('[');
  if (start < 0) return undefined;
  const namespace = packet[1] === '/' ? packet.slice(1, packet.indexOf(',')) : '/';
  const [event, data] = JSON.parse(packet.slice(start)) as [string, unknown];
  return eventFrame(namespace, event, data);
}
