import { describe, expect, it } from '@jest/globals';
import { Limits, type User } from '@tandem/contract';
import { nameKey } from '../auth/name-key.js';
import { findMentions, mentionKeys } from './mentions.js';

const ann: User = { id: 'u-ann', name: 'ann' };
const annMarie: User = { id: 'u-ann-marie', name: 'Ann Marie' };
const bob: User = { id: 'u-bob', name: 'bob' };
const otherBob: User = { id: 'u-bob-2', name: 'Bob' };
const zoe: User = { id: 'u-zoe', name: 'Zoë' };

describe('findMentions', () => {
  const members = [ann, annMarie, bob, zoe];

  it('finds @name anywhere, in order of first mention, once per user', () => {
    expect(findMentions('hi @bob and @ann, @bob again', members)).toEqual([bob, ann]);
    expect(findMentions('@ann', members)).toEqual([ann]);
  });

  it('ignores case, and keeps the name as the member has it', () => {
    expect(findMentions('thanks @BOB', members)).toEqual([bob]);
  });

  it('prefers the longest name at one @, names with spaces included', () => {
    expect(findMentions('@ann marie: lunch?', members)).toEqual([annMarie]);
    expect(findMentions('@ann: lunch?', members)).toEqual([ann]);
  });

  it('needs the name to end the word', () => {
    expect(findMentions('@annie and @bobby', members)).toEqual([]);
    expect(findMentions('@bob!', members)).toEqual([bob]);
    expect(findMentions('(@bob)', members)).toEqual([bob]);
    expect(findMentions('@zoë, @zoëlle', members)).toEqual([zoe]);
  });

  it('starts no mention inside a word, such as an address', () => {
    expect(findMentions('write to bob@example.org', members)).toEqual([]);
    expect(findMentions('a@bob', members)).toEqual([]);
  });

  it('mentions every member who has the matched name (names are not identity)', () => {
    expect(findMentions('@bob', [bob, otherBob])).toEqual([bob, otherBob]);
  });

  it('finds nothing without an @ or without candidates', () => {
    expect(findMentions('bob and ann', members)).toEqual([]);
    expect(findMentions('@bob', [])).toEqual([]);
    expect(findMentions('@', members)).toEqual([]);
    expect(findMentions('@@bob', members)).toEqual([bob]);
  });
});

describe('mentionKeys', () => {
  const texts = [
    'hi @bob and @ann, @bob again',
    'thanks @BOB',
    '@ann marie: lunch?',
    '@Ann Marie!',
    '@zoë, @ZOË, @zoëlle',
    '(@bob) @@bob @annie',
    'write to bob@example.org',
  ];
  const members = [ann, annMarie, bob, otherBob, zoe];

  it('holds the key of every member that findMentions finds', () => {
    for (const text of texts) {
      const keys = new Set(mentionKeys(text));
      for (const found of findMentions(text, members)) expect(keys).toContain(nameKey(found.name));
    }
  });

  it('holds only stretches after an @ that starts a mention, ending a word', () => {
    expect(mentionKeys('@Ann Marie!')).toEqual(['ann', 'ann marie', 'ann marie!']);
    expect(mentionKeys('bob@example.org and no other')).toEqual([]);
    expect(mentionKeys('no at all')).toEqual([]);
  });

  it('looks no further than the longest name', () => {
    const keys = mentionKeys(`@${'a,'.repeat(Limits.nameLength)}`);
    expect(Math.max(...keys.map((key) => key.length))).toBe(Limits.nameLength);
  });
});
