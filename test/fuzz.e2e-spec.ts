import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChatCommand, commandSchemas, type ChatCommandResults } from '@tandem/contract';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import type { z } from 'zod';
import { chatClient, closeAllClients, command, commandOk, connect, signIn, socketFor } from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

/** Invalid payloads sent to every command of every namespace. */
const payloadsPerCommand = 300;

function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
}

/** Values that are wrong for any field of the contract: wrong types, hostile strings, odd numbers. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('NaN', 'Infinity', '-1', '1e309', '0x10', '', ' ', '__proto__', '{"$gt":""}', 'null', 'undefined'),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1.5, 2 ** 53 + 2, -(2 ** 60), 1e308, 0.1),
  fc.constant('x'.repeat(70 * 1024)),
  fc.constant(Buffer.from([0xde, 0xad, 0xbe, 0xef])),
  fc.constant(deeplyNested(200)),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.string({ maxLength: 20 }),
  fc.integer(),
);

/** Payloads shaped after a command's schema, then broken: a wrong value, a missing or an extra key. */
function nearMisses(schema: z.ZodType, knownIds: string[]): fc.Arbitrary<unknown> {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const keys = Object.keys(shape);
  const plausible = fc.oneof(
    fc.constantFrom(...knownIds, randomUUID()),
    fc.string({ maxLength: 10 }),
    fc.integer({ min: 0, max: 5 }),
    fc.boolean(),
  );
  const base = fc.record(Object.fromEntries(keys.map((key) => [key, plausible])));
  return fc.oneof(
    keys.length
      ? fc
          .tuple(base, fc.constantFrom(...keys), hostileValue)
          .map(([payload, key, value]) => ({ ...payload, [key]: value }))
      : base,
    keys.length
      ? fc
          .tuple(base, fc.constantFrom(...keys))
          .map(([payload, key]) => Object.fromEntries(Object.entries(payload).filter(([k]) => k !== key)))
      : base,
    // Parsed from JSON so that `__proto__` is an own key, as it is for a payload off the wire.
    fc
      .tuple(base, fc.constantFrom('__proto__', 'constructor', 'prototype', 'admin', 'userId', 'opId'), hostileValue)
      .map(([payload, key, value]) => {
        const rest = JSON.stringify(payload).slice(1, -1);
        return JSON.parse(
          `{${JSON.stringify(key)}:${JSON.stringify(value ?? null)}${rest ? `,${rest}` : ''}}`,
        ) as unknown;
      }),
  );
}

/**
 * The payload as the server receives it: Socket.IO encodes it as JSON, so a key whose value is
 * `undefined` does not travel (`{x: undefined}` arrives as `{}`, which may well be valid).
 */
function asSent(payload: unknown): unknown {
  if (payload === undefined || Buffer.isBuffer(payload)) return payload;
  try {
    const json = JSON.stringify(payload);
    return json === undefined ? undefined : (JSON.parse(json) as unknown);
  } catch {
    return payload;
  }
}

/** Invalid both as made and as it arrives. */
function isInvalid(schema: z.ZodType, payload: unknown): boolean {
  return !schema.safeParse(payload).success && !schema.safeParse(asSent(payload)).success;
}

const anyPayload = (schema: z.ZodType, knownIds: string[]) =>
  fc.oneof(
    { weight: 1, arbitrary: hostileValue },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true }) },
    { weight: 3, arbitrary: nearMisses(schema, knownIds) },
  );

describe('schema fuzzing', () => {
  let server: TestServer;
  let chatRoomId: string;
  const heard: string[] = [];
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    server = await startServer();
    const { socket: owner } = await chatClient(server.url, 'owner');
    chatRoomId = (await commandOk<ChatCommandResults['room:create']>(owner, ChatCommand.RoomCreate, { name: 'fuzzed' }))
      .room.id;
    await commandOk(owner, ChatCommand.RoomJoin, { roomId: chatRoomId });
    // An observer in every namespace, and in the chat room: any broadcast would be heard.
    const { token } = await signIn(server.url, 'observer');
    for (const namespace of Object.keys(commandSchemas)) {
      const observer = await connect(socketFor<Socket>(server.url, namespace, token));
      if (namespace === '/chat') await commandOk(observer, ChatCommand.RoomJoin, { roomId: chatRoomId });
      observer.onAny((event: string) => heard.push(`${namespace} ${event}`));
    }
    // The joins' presence goes out coalesced, within a window or two.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    heard.length = 0;
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  const commandsByNamespace = Object.entries(commandSchemas).flatMap(([namespace, schemas]) =>
    Object.keys(schemas).map((event) => [namespace, event] as const),
  );

  it.each(commandsByNamespace)(
    `answers VALIDATION to ${payloadsPerCommand} invalid payloads on %s %s, changing nothing`,
    async (namespace, event) => {
      const schema = (commandSchemas as Record<string, Record<string, z.ZodType>>)[namespace][event];
      const { token } = await signIn(server.url, 'fuzzer');
      const socket = await connect(socketFor<Socket>(server.url, namespace, token));
      const before = server.tableCounts();
      const samples = fc.sample(anyPayload(schema, [chatRoomId]), payloadsPerCommand * 3);
      const invalid = samples.filter((payload) => isInvalid(schema, payload)).slice(0, payloadsPerCommand);
      expect(invalid).toHaveLength(payloadsPerCommand);

      for (let i = 0; i < invalid.length; i += 50) {
        const acks = await Promise.all(invalid.slice(i, i + 50).map((payload) => command(socket, event, payload)));
        for (const ack of acks) expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      }
      expect(socket.connected).toBe(true);
      expect(server.tableCounts()).toEqual(before);
      expect(heard).toEqual([]);
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('closes only the connection that sends a frame above 1 MB, and still answers the others', async () => {
    const { socket: offender } = await chatClient(server.url, 'offender');
    const { socket: bystander } = await chatClient(server.url, 'bystander');
    const closed = new Promise<string>((resolve) => offender.once('disconnect', (reason) => resolve(reason)));
    (offender as unknown as Socket).emit(ChatCommand.MessageSend, {
      opId: randomUUID(),
      roomId: chatRoomId,
      text: 'x'.repeat(1_100_000),
    });
    expect(await closed).toBe('transport close');
    expect(bystander.connected).toBe(true);
    expect((await command(bystander, ChatCommand.RoomList, {})).ok).toBe(true);
  });

  it('answers VALIDATION, without closing, to oversize strings in frames below 1 MB', async () => {
    const { socket } = await chatClient(server.url, 'verbose');
    const ack = await command(socket, ChatCommand.MessageSend, {
      opId: randomUUID(),
      roomId: chatRoomId,
      text: 'x'.repeat(900_000),
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(socket.connected).toBe(true);
  });
});
