import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ErrorCode, Namespace } from '@tandem/contract';
import type { OutboxEntry } from './outbox-entry.js';
import { Outbox, type OutboxHandler } from './outbox.js';
import { MemoryOutboxStorage } from './storage/storage.js';
import type { CommandOutcome } from './transport.js';

type Answer = CommandOutcome<unknown>;

/** A handler whose server answers from a script, recording what was sent and how it ended. */
function scripted(answers: Answer[], online = { value: true }) {
  const sent: string[] = [];
  const acknowledged: string[] = [];
  const refused: string[] = [];
  const handler: OutboxHandler = {
    canSend: () => online.value,
    send: async (entry) => {
      sent.push(entry.opId);
      return answers.shift() ?? { ok: true, data: {} };
    },
    acknowledged: (entry) => acknowledged.push(entry.opId),
    refused: (entry) => {
      refused.push(entry.opId);
      return (entry.args as { keep?: boolean }).keep ? 'keep' : 'drop';
    },
  };
  return { handler, sent, acknowledged, refused, online };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const ids = (entries: readonly OutboxEntry[]) => entries.map((entry) => entry.opId);

describe(Outbox.name, () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('sends each namespace in order once it can, and keeps what waits in the storage', async () => {
    const storage = new MemoryOutboxStorage();
    const sut = new Outbox('u1', storage);
    const { handler, sent, acknowledged, online } = scripted([], { value: false });
    sut.handle(Namespace.Scoreboard, handler);
    sut.add(Namespace.Scoreboard, 'score', { delta: 1 }, 'a');
    sut.add(Namespace.Scoreboard, 'score', { delta: 2 }, 'b');
    await sut.settled();
    expect(ids((await storage.load('u1')).entries)).toEqual(['a', 'b']);

    online.value = true;
    sut.flush(Namespace.Scoreboard);
    await settle();
    expect(sent).toEqual(['a', 'b']);
    expect(acknowledged).toEqual(['a', 'b']);
    await sut.settled();
    expect((await storage.load('u1')).entries).toEqual([]);
  });

  it('restores what an earlier run kept, before what was made since, with the same opIds', async () => {
    const storage = new MemoryOutboxStorage();
    const first = new Outbox('u1', storage);
    first.add(Namespace.Lists, 'item', { n: 1 }, 'kept');
    await first.settled();
    const sut = new Outbox('u1', storage);
    sut.add(Namespace.Lists, 'item', { n: 2 }, 'new');
    await sut.restore();
    expect(ids(sut.entries.get())).toEqual(['kept', 'new']);
  });

  it('keeps a refused entry as failed when the handler says so, drops it otherwise, and goes on', async () => {
    const refusal: Answer = { ok: false, error: { code: ErrorCode.Forbidden, message: 'no' } };
    const sut = new Outbox('u1', new MemoryOutboxStorage());
    const { handler, sent, refused } = scripted([refusal, refusal]);
    sut.handle(Namespace.Chat, handler);
    sut.add(Namespace.Chat, 'message', { keep: true }, 'a');
    sut.add(Namespace.Chat, 'message', { keep: false }, 'b');
    sut.add(Namespace.Chat, 'message', {}, 'c');
    await settle();
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(refused).toEqual(['a', 'b']);
    expect(sut.entries.get()).toEqual([expect.objectContaining({ opId: 'a', status: 'failed', error: 'no' })]);
  });

  it('holds the queue on RATE_LIMITED and sends the same opId again after the wait, backing off', async () => {
    jest.useFakeTimers();
    const limited: Answer = { ok: false, error: { code: ErrorCode.RateLimited, message: 'slow down' } };
    const sut = new Outbox('u1', new MemoryOutboxStorage());
    const { handler, sent } = scripted([limited, limited]);
    sut.handle(Namespace.Scoreboard, handler);
    sut.add(Namespace.Scoreboard, 'score', {}, 'a');
    sut.add(Namespace.Scoreboard, 'score', {}, 'b');
    await jest.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual(['a', 'a']);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual(['a', 'a']);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual(['a', 'a', 'a', 'b']);
    expect(sut.entries.get()).toEqual([]);
  });

  it('keeps an unanswered entry for the next connection when offline', async () => {
    const online = { value: true };
    const sut = new Outbox('u1', new MemoryOutboxStorage());
    const { handler, sent } = scripted([{ ok: false, error: { code: 'NO_ANSWER', message: 'dropped' } }], online);
    handler.send = async (entry) => {
      sent.push(entry.opId);
      online.value = false;
      return { ok: false, error: { code: 'NO_ANSWER', message: 'dropped' } };
    };
    sut.handle(Namespace.Lists, handler);
    sut.add(Namespace.Lists, 'item', {}, 'a');
    await settle();
    expect(sut.entries.get()).toEqual([expect.objectContaining({ opId: 'a', status: 'queued' })]);
    online.value = true;
    handler.send = async (entry) => {
      sent.push(entry.opId);
      return { ok: true, data: {} };
    };
    sut.flush(Namespace.Lists);
    await settle();
    expect(sent).toEqual(['a', 'a']);
    expect(sut.entries.get()).toEqual([]);
  });

  it('does not send while the handler is not ready', async () => {
    let ready = false;
    const sut = new Outbox('u1', new MemoryOutboxStorage());
    const { handler, sent } = scripted([]);
    sut.handle(Namespace.Lists, { ...handler, ready: () => ready });
    sut.add(Namespace.Lists, 'item', {}, 'a');
    await settle();
    expect(sent).toEqual([]);
    ready = true;
    sut.flush(Namespace.Lists);
    await settle();
    expect(sent).toEqual(['a']);
  });
});
