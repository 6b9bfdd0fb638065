import { describe, expect, it } from '@jest/globals';
import { Limits } from './common.js';
import { isSingleEmoji } from './emoji.js';

describe('isSingleEmoji', () => {
  it.each([
    ['a pictograph', '👍'],
    ['a pictograph with a skin tone', '👍🏽'],
    ['a pictograph with its emoji presentation selector', '❤️'],
    ['a zero-width-joiner sequence', '👩‍💻'],
    ['a family of four', '👨‍👩‍👧‍👦'],
    ['a joined sequence with selectors', '🏳️‍🌈'],
    ['a flag of two regional indicators', '🇫🇷'],
    ['a subdivision flag (tag sequence)', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a keycap', '1️⃣'],
    ['a keycap without selector', '#⃣'],
  ])('accepts %s', (_, value) => {
    expect(isSingleEmoji(value)).toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['a letter', 'a'],
    ['a word', 'ok'],
    ['a digit', '1'],
    ['two emoji', '😀😀'],
    ['an emoji and a space', '👍 '],
    ['a lone regional indicator', '🇫'],
    ['an emoji with a combining accent', '😀\u0301'],
    ['a zero-width joiner at the end', '👩\u200D'],
    ['a string over the length limit', '👍'.repeat(Limits.emojiLength)],
  ])('refuses %s', (_, value) => {
    expect(isSingleEmoji(value)).toBe(false);
  });

  it('stays within the limit for the longest usual emoji', () => {
    expect('🏴󠁧󠁢󠁳󠁣󠁴󠁿'.length).toBeLessThanOrEqual(Limits.emojiLength);
    expect('👨‍👩‍👧‍👦'.length).toBeLessThanOrEqual(Limits.emojiLength);
  });
});
