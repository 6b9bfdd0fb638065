import type { HighlightPart } from '@tandem/contract';

/** Texts longer than this are cut to an excerpt of about this length around the first match. */
const excerptLength = 240;
/** How much of the excerpt comes before the first match. */
const leadLength = 60;

const wordPattern = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/** A word as the indexes compare it: lower case, without accents. */
function folded(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The text in pieces, each word that starts with one of the terms marked: what the indexes
 * matched, found again here so that both databases highlight alike, on the text itself (no
 * markers to escape).
 */
export function highlight(text: string, terms: string[]): HighlightPart[] {
  const wanted = terms.map(folded);
  const matches: [number, number][] = [];
  for (const word of text.matchAll(wordPattern)) {
    const form = folded(word[0]);
    if (wanted.some((term) => form.startsWith(term))) matches.push([word.index, word.index + word[0].length]);
  }
  const [from, to] = excerptBounds(text, matches[0]?.[0] ?? 0);
  const parts: HighlightPart[] = [];
  let at = from;
  for (const [start, end] of matches) {
    if (end <= from || start >= to) continue;
    if (start > at) parts.push({ text: text.slice(at, start), match: false });
    parts.push({ text: text.slice(Math.max(start, at), Math.min(end, to)), match: true });
    at = Math.min(end, to);
  }
  if (at < to) parts.push({ text: text.slice(at, to), match: false });
  if (from > 0) parts.unshift({ text: '…', match: false });
  if (to < text.length) parts.push({ text: '…', match: false });
  return parts;
}

function excerptBounds(text: string, firstMatch: number): [number, number] {
  if (text.length <= excerptLength) return [0, text.length];
  const from = Math.max(0, Math.min(firstMatch - leadLength, text.length - excerptLength));
  return [from, from + excerptLength];
}
