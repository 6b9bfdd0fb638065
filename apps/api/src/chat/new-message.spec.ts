import { describe, expect, it } from '@jest/globals';
import { Limits, SystemAction } from '@tandem/contract';
import fc from 'fast-check';
import { Encoder, PacketType } from 'socket.io-parser';
import { EncodedOnceEncoder, toJson } from '../common/encoded-once.js';
import { newMessageCreated, type NewMessageFields } from './new-message.js';

/** Any text, lone surrogates and control characters included (JSON.stringify escapes them). */
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const user = fc.record({ id: fc.uuid(), name: text(Limits.nameLength) });

const fields: fc.Arbitrary<NewMessageFields> = fc.record(
  {
    id: fc.uuid(),
    roomId: fc.uuid(),
    seq: fc.maxSafeNat(),
    author: user,
    text: text(200),
    kind: fc.constantFrom('user', 'system'),
    action: fc.constantFrom(...Object.values(SystemAction)),
    createdAt: fc
      .date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
      .map((date) => date.toISOString()),
    mentions: fc.array(user, { maxLength: 4 }),
    replyTo: fc.uuid(),
    opId: fc.uuid(),
  },
  { requiredKeys: ['id', 'roomId', 'seq', 'author', 'text', 'kind', 'createdAt', 'mentions'] },
);

describe(newMessageCreated.name, () => {
  it('writes exactly what JSON.stringify writes, for the change and its message', () => {
    fc.assert(
      fc.property(fields, (made) => {
        const sut = newMessageCreated(made);
        expect(toJson(sut)).toBe(JSON.stringify(JSON.parse(JSON.stringify(sut))));
        expect(toJson(sut)).toBe(JSON.stringify(sut));
        expect(toJson(sut.message)).toBe(JSON.stringify(sut.message));
      }),
      { seed: 20261207, numRuns: 2_000 },
    );
  });

  it("goes on the wire as the plain encoder writes it: the broadcast, and the ack's { message }", () => {
    const encoder = new EncodedOnceEncoder();
    fc.assert(
      fc.property(fields, (made) => {
        const sut = newMessageCreated(made);
        const plain = JSON.parse(JSON.stringify(sut)) as typeof sut;
        const event = (data: unknown) => ({ type: PacketType.EVENT, nsp: '/chat', data: ['message:created', data] });
        expect(encoder.encode(event(sut))).toEqual(new Encoder().encode(event(plain)));
        const ack = (data: unknown) => ({ type: PacketType.ACK, nsp: '/chat', id: 3, data: [{ ok: true, data }] });
        expect(encoder.encode(ack({ message: sut.message }))).toEqual(
          new Encoder().encode(ack({ message: plain.message })),
        );
      }),
      { seed: 20261207, numRuns: 500 },
    );
  });

  it('keeps only the fields given, users as { id, name }', () => {
    const author = { id: '0193b7e2-0000-7000-8000-000000000001', name: 'Ann', extra: 'not sent' };
    const sut = newMessageCreated({
      id: '0193b7e2-0000-7000-8000-000000000002',
      roomId: '0193b7e2-0000-7000-8000-000000000003',
      seq: 4,
      author,
      text: 'hi "there"\n',
      kind: 'user',
      createdAt: '2026-12-07T18:30:00.000Z',
      mentions: [],
    });
    expect(JSON.parse(toJson(sut))).toEqual({
      roomId: '0193b7e2-0000-7000-8000-000000000003',
      seq: 4,
      message: {
        id: '0193b7e2-0000-7000-8000-000000000002',
        roomId: '0193b7e2-0000-7000-8000-000000000003',
        seq: 4,
        author: { id: author.id, name: 'Ann' },
        text: 'hi "there"\n',
        kind: 'user',
        createdAt: '2026-12-07T18:30:00.000Z',
        reactions: [],
        mentions: [],
      },
    });
  });
});
