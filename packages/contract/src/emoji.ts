import { Limits } from './common.js';

/**
 * One emoji, as people pick it: a pictograph with its optional presentation selector and skin
 * tone, joined to others by zero-width joiners (👩‍💻, 👨‍👩‍👧); a flag of two regional indicators
 * (🇫🇷) or a tag sequence (🏴󠁧󠁢󠁳󠁣󠁴󠁿); or a keycap (1️⃣).
 */
const pictograph = String.raw`\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*`;
const emojiPattern = new RegExp(
  String.raw`^(?:${pictograph}(?:\u200D${pictograph})*|${pictograph}[\u{E0020}-\u{E007E}]+\u{E007F}|\p{Regional_Indicator}{2}|[0-9#*]\uFE0F?\u20E3)$`,
  'u',
);

let graphemes: Intl.Segmenter | undefined;

/** Emoji found to be one (the few in use, reacted with again and again): ICU's grapheme count is the costly part. */
const known = new Set<string>();
const maxKnown = 1_000;

/**
 * Whether `value` is exactly one emoji: one extended grapheme cluster, at most
 * `Limits.emojiLength` UTF-16 units, and shaped as an emoji (see `emojiPattern`). Text such as
 * "a", "ok" or "😀😀" is not.
 */
export function isSingleEmoji(value: string): boolean {
  if (known.has(value)) return true;
  if (value.length === 0 || value.length > Limits.emojiLength || !emojiPattern.test(value)) return false;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let count = 0;
  for (const _ of graphemes.segment(value)) if (++count > 1) return false;
  if (count === 1 && known.size < maxKnown) known.add(value);
  return count === 1;
}
