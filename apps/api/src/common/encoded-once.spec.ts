import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { EncodedOnceEncoder, encodedOnce, toJson } from './encoded-once.js';

function ack(data: unknown, id = 7): Packet {
  return { type: PacketType.ACK, nsp: '/chat', id, data: [data] };
}

function decoded(parts: unknown[]): Packet {
  const decoder = new Decoder();
  let packet: Packet | undefined;
  decoder.on('decoded', (value: Packet) => (packet = value));
  for (const part of parts) decoder.add(part);
  return packet!;
}

describe(EncodedOnceEncoder.name, () => {
  const sut = new EncodedOnceEncoder();

  it('writes exactly what the plain encoder writes, shared values included, nested or repeated', () => {
    const members = encodedOnce([{ id: 'a', name: 'Ann "the first"' }]);
    const markers = encodedOnce([{ user: members[0], readSeq: 3, lastSeenAt: null }]);
    const data = { ok: true, data: { members, markers, again: members, seq: 4, text: 'ünïcode \u2028' } };
    const plain = new Encoder().encode(ack(JSON.parse(JSON.stringify(data))));
    expect(sut.encode(ack(data))).toEqual(plain);
    // Each ack its own id around the same kept JSON.
    expect(decoded(sut.encode(ack(data, 8)))).toEqual({ ...ack(JSON.parse(JSON.stringify(data)), 8) });
  });

  it('leaves text that looks like a placeholder as it is', () => {
    const data = { text: 'encoded-once-0123456789abcdef0123456789abcdef-0', list: encodedOnce([1, 2]) };
    expect(decoded(sut.encode(ack(data))).data).toEqual([{ text: data.text, list: [1, 2] }]);
  });

  it('is plain JSON outside the encoder', () => {
    const list = encodedOnce([{ seq: 1 }]);
    expect(JSON.stringify({ list })).toBe('{"list":[{"seq":1}]}');
    expect(Object.keys(list)).toEqual(['0']);
  });

  it('keeps the JSON of a shared value, which therefore cannot change', () => {
    const list = encodedOnce([{ seq: 1 }]);
    expect(() => (list as { seq: number }[]).push({ seq: 2 })).toThrow(TypeError);
    expect(decoded(sut.encode(ack({ list }))).data).toEqual([{ list: [{ seq: 1 }] }]);
  });

  it('encodes packets without shared values as the plain encoder does, binary ones too', () => {
    const binary = () => ({ type: PacketType.EVENT, nsp: '/', data: ['file', Buffer.from([1, 2])] });
    expect(sut.encode(binary())).toEqual(new Encoder().encode(binary()));
    const withShared = () => ({
      type: PacketType.ACK,
      nsp: '/',
      id: 1,
      data: [{ list: encodedOnce([1]), file: Buffer.from([3]) }],
    });
    const plainData = () => ({ type: PacketType.ACK, nsp: '/', id: 1, data: [{ list: [1], file: Buffer.from([3]) }] });
    expect(sut.encode(withShared())).toEqual(new Encoder().encode(plainData()));
    const event = { type: PacketType.EVENT, nsp: '/chat', data: ['message:created', { seq: 1 }] };
    expect(sut.encode(event)).toEqual(['2/chat,["message:created",{"seq":1}]']);
  });

  it('finds binary data wherever the plain encoder does (any value, typed arrays, toJSON, other prototypes)', () => {
    class Holder {
      constructor(readonly inner: unknown) {}
    }
    const leaf = fc.oneof(
      fc.anything({ maxDepth: 2, withTypedArray: true, withNullPrototype: true, withBoxedValues: true }),
      fc.uint8Array({ maxLength: 3 }).map((bytes) => Buffer.from(bytes)),
      fc.constant(new ArrayBuffer(2)),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { arbitrary: leaf, weight: 3 },
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 3 }),
        tie('node').map((inner) => ({ toJSON: () => inner })),
        tie('node').map((inner) => new Holder(inner)),
      ),
    })).node;
    fc.assert(
      fc.property(value, (data) => {
        const packet = () => ({ type: PacketType.EVENT, nsp: '/chat', data: ['event', data] });
        expect(sut.encode(packet())).toEqual(new Encoder().encode(packet()));
      }),
      { numRuns: 2_000 },
    );
  });

  it('toJson writes what JSON.stringify writes, a shared value from its kept JSON', () => {
    const author = { id: 'u', name: 'Ann "the first"' };
    const message = encodedOnce({ id: 'm', author, text: 'ünïcode \u2028', reactions: [] });
    const change = { roomId: 'r', seq: 3, message };
    expect(toJson(change)).toBe(JSON.stringify(JSON.parse(JSON.stringify(change))));
    // The kept JSON is what is written from then on, in the encoder too.
    author.name = 'changed since';
    expect(toJson({ message })).toBe(
      `{"message":${JSON.stringify({ ...message, author: { id: 'u', name: 'Ann "the first"' } })}}`,
    );
    expect(decoded(sut.encode(ack({ message }))).data).toEqual([
      { message: { ...message, author: { id: 'u', name: 'Ann "the first"' } } },
    ]);
    expect(toJson({ text: 'plain' })).toBe('{"text":"plain"}');
  });

  it("writes a stored result's ack from the JSON it was stored as, byte for byte what the plain encoder writes", () => {
    const data = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
    fc.assert(
      fc.property(data, fc.constantFrom('/', '/scoreboard'), fc.nat(), (value, nsp, id) => {
        const stored = toJson(value);
        const packet = () => ({ type: PacketType.ACK, nsp, id, data: [{ ok: true, data: value }] });
        const text = sut.encode(packet());
        expect(text).toEqual(new Encoder().encode(packet()));
        expect(String(text[0])).toContain(stored);
      }),
      { numRuns: 1_000 },
    );
    // Any other envelope is encoded as it is.
    const value = { player: { id: 'p1', score: 3 }, seq: 4 };
    toJson(value);
    const others = [
      [{ ok: true, data: value, extra: 1 }],
      [{ data: value, ok: true }],
      [{ ok: false, data: value }],
      [{ ok: true, data: value }, 'second'],
    ];
    for (const data of others) {
      const packet = () => ({ type: PacketType.ACK, nsp: '/chat', id: 1, data });
      expect(sut.encode(packet())).toEqual(new Encoder().encode(packet()));
    }
  });
  it("writes a change's broadcast from the JSON its record was made with, byte for byte what the plain encoder writes", () => {
    const data = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
    const event = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(data, event, fc.constantFrom('/', '/chat'), fc.option(fc.nat()), (value, name, nsp, id) => {
        const stored = toJson(value);
        const packet = () => ({ type: PacketType.EVENT, nsp, ...(id === null ? {} : { id }), data: [name, value] });
        const text = sut.encode(packet());
        expect(text).toEqual(new Encoder().encode(packet()));
        expect(String(text[0])).toContain(stored);
      }),
      { numRuns: 1_000 },
    );
    // The recorded JSON is what goes, as a retry's resync would replay it.
    const message = encodedOnce({ id: 'm', text: 'first' });
    const change = { roomId: 'r', seq: 1, message, opId: 'o' };
    const record = toJson(change);
    change.seq = 2;
    expect(sut.encode({ type: PacketType.EVENT, nsp: '/chat', data: ['message:created', change] })).toEqual([
      `2/chat,["message:created",${record}]`,
    ]);
    // Several arguments, or data with no JSON made: the plain encoder's way.
    const others = [
      ['message:created', change, 'second'],
      ['message:created', { seq: 1 }],
      [1, change],
    ];
    for (const args of others) {
      const packet = () => ({ type: PacketType.EVENT, nsp: '/chat', data: args });
      expect(sut.encode(packet())).toEqual(new Encoder().encode(JSON.parse(JSON.stringify(packet())) as Packet));
    }
  });

  it('writes an ack whose data is an object of shared values from their kept JSON', () => {
    const message = encodedOnce({ id: 'm', author: { id: 'u', name: 'Ann "the first"' }, text: 'ünïcode \u2028' });
    const members = encodedOnce([{ id: 'a' }]);
    const plain = (data: unknown): unknown => new Encoder().encode(ack(JSON.parse(JSON.stringify(data))));
    for (const data of [{ message }, { message, members }, { 'a "key"': members }]) {
      const envelope = { ok: true, data };
      expect(sut.encode(ack(envelope))).toEqual(plain(envelope));
    }
    // Anything else in the object, or none: written through JSON.stringify, still the same text.
    for (const data of [{ message, seq: 3 }, {}, { message, nothing: undefined }]) {
      const envelope = { ok: true, data };
      expect(sut.encode(ack(envelope))).toEqual(plain(envelope));
    }
  });
});
