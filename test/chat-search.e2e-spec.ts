import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChatCommand, ErrorCode, Namespace, SearchLimits, type MessageSearchResult } from '@tandem/contract';
import { chatScenes, createRoom, join, send } from './support/chat.js';
import { chatClient, command, commandOk, connect, socketFor, type ChatClient } from './support/clients.js';
import { useServer } from './support/server.js';

/** A word no other test writes, so that each test finds only its own messages. */
function uniqueWord(): string {
  return `w${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

function search(socket: ChatClient, payload: Record<string, unknown>): Promise<MessageSearchResult> {
  return commandOk<MessageSearchResult>(socket, ChatCommand.MessageSearch, payload);
}

function foundTexts(result: MessageSearchResult): string[] {
  return result.results.map((hit) => hit.message.text);
}

describe('message search', () => {
  const server = useServer();
  const { roomWithAnnAndBob } = chatScenes(server);

  it('finds messages by their words and by the start of a word, newest first, with the matches marked', async () => {
    const { ann, bob, room } = await roomWithAnnAndBob();
    const word = uniqueWord();
    const first = await send(ann.socket, room.id, `Déployé ${word} today`);
    const second = await send(bob.socket, room.id, `the ${word}s are fine, DEPLOYÉ again`);
    await send(bob.socket, room.id, 'nothing to see here');

    const byWord = await search(ann.socket, { query: word });
    expect(byWord.results.map((hit) => hit.message.id)).toEqual([second.id, first.id]);
    expect(byWord.results[0]).toEqual({
      roomId: room.id,
      message: second,
      highlight: [
        { text: 'the ', match: false },
        { text: `${word}s`, match: true },
        { text: ' are fine, DEPLOYÉ again', match: false },
      ],
    });
    expect(byWord.nextCursor).toBeNull();

    // A prefix, in any case and without accents, together with the unique word (every word must match).
    const byPrefix = await search(bob.socket, { query: `${word.slice(0, 9).toUpperCase()} deploye` });
    expect(foundTexts(byPrefix)).toEqual([second.text, first.text]);
    expect(byPrefix.results[1]?.highlight.filter((part) => part.match).map((part) => part.text)).toEqual([
      'Déployé',
      word,
    ]);

    // Words that are not all there: nothing.
    expect((await search(ann.socket, { query: `${word} missingword` })).results).toEqual([]);
  });

  it('searches one room when asked, and a public room without being a member', async () => {
    const { ann, room } = await roomWithAnnAndBob();
    const other = await createRoom(ann.socket);
    await join(ann.socket, other.id);
    const word = uniqueWord();
    const here = await send(ann.socket, room.id, `${word} here`);
    await send(ann.socket, other.id, `${word} there`);

    expect(foundTexts(await search(ann.socket, { query: word, roomId: room.id }))).toEqual([here.text]);
    const { socket: carol } = await chatClient(server().url, 'carol');
    expect(foundTexts(await search(carol, { query: word }))).toHaveLength(2);
  });

  it('shows a private room only to its members', async () => {
    const { ann, bob, room } = await roomWithAnnAndBob('private');
    const word = uniqueWord();
    const secret = await send(ann.socket, room.id, `the ${word} plan`);
    const { socket: carol } = await chatClient(server().url, 'carol');

    expect(foundTexts(await search(bob.socket, { query: word }))).toEqual([secret.text]);
    expect(await search(carol, { query: word })).toEqual({ results: [], nextCursor: null });
    expect(await command(carol, ChatCommand.MessageSearch, { query: word, roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.Forbidden },
    });
  });

  it('never finds a deleted message, and its words leave the index; an edit is found by its new words', async () => {
    const { ann, room } = await roomWithAnnAndBob();
    const [gone, kept, added] = [uniqueWord(), uniqueWord(), uniqueWord()];
    const deleted = await send(ann.socket, room.id, `${gone} ${kept}`);
    const edited = await send(ann.socket, room.id, `${kept} before the edit`);
    const indexed = (word: string) =>
      server().db.prepare(`SELECT rowid FROM "MessageSearch" WHERE "MessageSearch" MATCH ?`).all(`"${word}"`).length;
    expect(indexed(gone)).toBe(1);

    await commandOk(ann.socket, ChatCommand.MessageDelete, { opId: randomUUID(), messageId: deleted.id });
    await commandOk(ann.socket, ChatCommand.MessageEdit, {
      opId: randomUUID(),
      messageId: edited.id,
      text: `${added} after the edit`,
    });

    expect((await search(ann.socket, { query: gone })).results).toEqual([]);
    expect((await search(ann.socket, { query: kept })).results).toEqual([]);
    expect(foundTexts(await search(ann.socket, { query: added }))).toEqual([`${added} after the edit`]);
    expect([indexed(gone), indexed(kept), indexed(added)]).toEqual([0, 0, 1]);
  });

  it('pages without overlap, even while new messages arrive', async () => {
    const { ann, room } = await roomWithAnnAndBob();
    const word = uniqueWord();
    const sent = [];
    for (let index = 0; index < 7; index++) sent.push(await send(ann.socket, room.id, `${word} number ${index}`));

    const pages: string[][] = [];
    let cursor: string | null | undefined;
    do {
      const page = await search(ann.socket, { query: word, limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(page.results.map((hit) => hit.message.id));
      cursor = page.nextCursor;
      // Written between pages: newer than every page still to come, so it never shows up in them.
      await send(ann.socket, room.id, `${word} late`);
    } while (cursor);

    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(sent.map((message) => message.id).reverse());
  });

  it('takes hostile query syntax as plain words, never failing with INTERNAL', async () => {
    const { ann, room } = await roomWithAnnAndBob();
    const word = uniqueWord();
    const message = await send(ann.socket, room.id, `${word} near and or not the end: text, drop table message 1`);
    const hostile = [
      `"${word}`,
      `${word}*`,
      `"${word}" NEAR/ end`,
      `NEAR(${word} end)`,
      `${word} AND OR NOT`,
      `${word}'; DROP TABLE "Message"; --`,
      `text:${word}`,
      `^${word} -end +end`,
      `${word} ((( )) {} [] \\ %_`,
      `${word}\u0000 \u202e`,
      `${word}' OR '1'='1`,
      `${word} & | ! <-> :*`,
    ];
    for (const query of hostile) {
      const ack = await command<MessageSearchResult>(ann.socket, ChatCommand.MessageSearch, { query });
      expect({ query, ok: ack.ok }).toEqual({ query, ok: true });
      if (ack.ok) expect({ query, found: foundTexts(ack.data) }).toEqual({ query, found: [message.text] });
    }
    for (const query of ['"*"', '***', '(( )) :*', '"" ""', ' ', '\'";--']) {
      const ack = await command(ann.socket, ChatCommand.MessageSearch, { query });
      expect({ query, ack }).toMatchObject({ query, ack: { ok: false, error: { code: ErrorCode.Validation } } });
    }
    expect(server().db.prepare('SELECT text FROM Message WHERE id = ?').get(message.id)).toEqual({
      text: message.text,
    });
  });

  it.each([
    ['a query over the limit', { query: 'a'.repeat(SearchLimits.queryLength + 1) }, ErrorCode.Validation],
    ['too many words', { query: 'a b c d e f g h i j k' }, ErrorCode.Validation],
    ['no query', {}, ErrorCode.Validation],
    ['a cursor that is not an id', { query: 'hello', cursor: 'x' }, ErrorCode.Validation],
    ['a limit over the maximum', { query: 'hello', limit: SearchLimits.pageMax + 1 }, ErrorCode.Validation],
    ['an unknown field', { query: 'hello', everything: true }, ErrorCode.Validation],
    ['an unknown room', { query: 'hello', roomId: randomUUID() }, ErrorCode.NotFound],
  ])('refuses %s', async (_case, payload, code) => {
    const { socket } = await chatClient(server().url, 'dora');
    expect(await command(socket, ChatCommand.MessageSearch, payload)).toMatchObject({ ok: false, error: { code } });
  });
});

describe('message search rate limit', () => {
  const server = useServer(() => ({ SEARCH_RATE_BURST: '3', SEARCH_RATE_PER_SECOND: '0.1' }));

  it('gives searches a budget of their own, shared by the user’s tabs', async () => {
    const { socket: first, session } = await chatClient(server().url, 'erin');
    const tab = await connect(socketFor<ChatClient>(server().url, Namespace.Chat, session.token));
    for (let index = 0; index < 3; index++) await search(index % 2 ? tab : first, { query: 'anything' });
    expect(await command(tab, ChatCommand.MessageSearch, { query: 'anything' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.RateLimited, details: { retryAfterMs: expect.any(Number) } },
    });
    // Other commands keep their own budget.
    const room = await createRoom(first);
    await join(first, room.id);
    await send(first, room.id, 'still allowed');
  });
});
