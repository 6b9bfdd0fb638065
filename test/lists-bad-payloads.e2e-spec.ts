import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Limits, ListsCommand } from '@tandem/contract';
import { command, settle } from './support/clients.js';
import { heardBy, listsSuite } from './support/lists.js';

describe('lists', () => {
  const { sharedList, writeState } = listsSuite();

  // ---- bad payloads ---------------------------------------------------------------------------

  describe('bad payloads', () => {
    const listIdPlaceholder = '$list';
    const itemIdPlaceholder = '$item';
    const op = () => randomUUID();
    const cases: [string, string, unknown][] = [
      ['a string instead of an object', ListsCommand.ItemCreate, 'milk'],
      ['no payload at all', ListsCommand.ItemUpdate, undefined],
      ['a missing opId', ListsCommand.ItemCreate, { listId: listIdPlaceholder, text: 'x' }],
      ['an opId that is not a UUID', ListsCommand.ItemCreate, { opId: 'abc', listId: listIdPlaceholder, text: 'x' }],
      ['an opId on a command that takes none', ListsCommand.ListCreate, { title: 'x', opId: op() }],
      ['a list title over 100 characters', ListsCommand.ListCreate, { title: 'x'.repeat(101) }],
      ['a blank list title', ListsCommand.ListCreate, { title: '  ' }],
      ['an unknown visibility', ListsCommand.ListCreate, { title: 'x', visibility: 'secret' }],
      [
        'item text over 1,000 characters',
        ListsCommand.ItemCreate,
        { opId: op(), listId: listIdPlaceholder, text: 'x'.repeat(Limits.itemText + 1) },
      ],
      ['blank item text', ListsCommand.ItemCreate, { opId: op(), listId: listIdPlaceholder, text: '   ' }],
      [
        'an unknown field',
        ListsCommand.ItemCreate,
        { opId: op(), listId: listIdPlaceholder, text: 'x', position: 'a0' },
      ],
      ['a listId that is not an id', ListsCommand.ItemCreate, { opId: op(), listId: 'groceries', text: 'x' }],
      [
        'an unknown patch field',
        ListsCommand.ItemUpdate,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: { color: 'red' } },
      ],
      ['an empty patch', ListsCommand.ItemUpdate, { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: {} }],
      ['a missing patch', ListsCommand.ItemUpdate, { opId: op(), itemId: itemIdPlaceholder, version: 1 }],
      [
        'done that is not a boolean',
        ListsCommand.ItemUpdate,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: { done: 'yes' } },
      ],
      [
        'a position that is not an order key',
        ListsCommand.ItemUpdate,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: { position: 'a00' } },
      ],
      [
        'patched text over 1,000 characters',
        ListsCommand.ItemUpdate,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: { text: 'y'.repeat(1_001) } },
      ],
      ['a missing version', ListsCommand.ItemUpdate, { opId: op(), itemId: itemIdPlaceholder, patch: { done: true } }],
      ['version 0', ListsCommand.ItemDelete, { opId: op(), itemId: itemIdPlaceholder, version: 0 }],
      ['a fractional version', ListsCommand.ItemDelete, { opId: op(), itemId: itemIdPlaceholder, version: 1.5 }],
      ['a version as a string', ListsCommand.ItemDelete, { opId: op(), itemId: itemIdPlaceholder, version: '1' }],
      ['a move without neighbours', ListsCommand.ItemMove, { opId: op(), itemId: itemIdPlaceholder, version: 1 }],
      [
        'a move next to itself',
        ListsCommand.ItemMove,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, afterId: itemIdPlaceholder },
      ],
      [
        'a neighbour that is not an id',
        ListsCommand.ItemMove,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, beforeId: 'top' },
      ],
      ['a negative sinceSeq', ListsCommand.ListJoin, { listId: listIdPlaceholder, sinceSeq: -1 }],
      ['fields on list:list', ListsCommand.ListList, { all: true }],
      [
        'a __proto__ key',
        ListsCommand.ItemUpdate,
        JSON.parse(
          `{"opId":"${randomUUID()}","itemId":"${itemIdPlaceholder}","version":1,"patch":{"done":true},"__proto__":{"polluted":true}}`,
        ),
      ],
      [
        'a __proto__ key inside the patch',
        ListsCommand.ItemUpdate,
        JSON.parse(
          `{"opId":"${randomUUID()}","itemId":"${itemIdPlaceholder}","version":1,"patch":{"__proto__":{"done":true}}}`,
        ),
      ],
    ];

    it.each(cases)('answers VALIDATION to %s, writing and broadcasting nothing', async (_, event, payload) => {
      const { ann, bob, list, items } = await sharedList(['milk']);
      const heard = heardBy(bob);
      const before = writeState();
      const filled =
        payload === undefined
          ? undefined
          : (JSON.parse(
              JSON.stringify(payload).replaceAll(listIdPlaceholder, list.id).replaceAll(itemIdPlaceholder, items[0].id),
            ) as unknown);

      const ack = await command(ann, event, filled);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.any(String) } });
      if (!ack.ok) expect((ack.error.details as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      await settle(50);
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
