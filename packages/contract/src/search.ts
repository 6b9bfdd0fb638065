import { z } from 'zod';
import type { Message } from './messages.js';
import { id } from './common.js';

/** Message search (`message:search`): the limits of a query and of a page. */
export const SearchLimits = {
  queryLength: 200,
  /** Words a query may hold; each is matched as a word or the start of one. */
  queryWords: 10,
  pageMax: 50,
  pageDefault: 20,
} as const;

const wordPattern = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/**
 * The words of a search query: runs of letters and digits, lower-cased and without duplicates.
 * Everything else — quotes, `*`, parentheses, `-`, `NEAR(…)` punctuation, SQL — separates words
 * and is never passed to the database's query syntax; `NEAR`, `AND` or `OR` are plain words.
 */
export function searchTerms(query: string): string[] {
  const words = query.normalize('NFKC').toLowerCase().match(wordPattern) ?? [];
  return [...new Set(words)];
}

export const messageSearchSchema = z.strictObject({
  query: z
    .string()
    .max(SearchLimits.queryLength)
    .refine((query) => searchTerms(query).length > 0, 'must contain a word (letters or digits) to search for')
    .refine(
      (query) => searchTerms(query).length <= SearchLimits.queryWords,
      `must hold at most ${SearchLimits.queryWords} words`,
    ),
  /** Only this room; without it, every room the user may read. */
  roomId: id.optional(),
  /** `nextCursor` of the previous page. */
  cursor: id.optional(),
  limit: z.int().min(1).max(SearchLimits.pageMax).default(SearchLimits.pageDefault),
});

/** A piece of a highlighted text: `match` where it is (the start of) a searched word. */
export interface HighlightPart {
  text: string;
  match: boolean;
}

export interface SearchHit {
  roomId: string;
  message: Message;
  /**
   * The message's text cut into pieces, the matching words marked (an excerpt around the first
   * match when the text is long, with `…` where it was cut): plain text, to render as such.
   */
  highlight: HighlightPart[];
}

/** Newest first; `nextCursor` asks for the next (older) page, null after the last. */
export interface MessageSearchResult {
  results: SearchHit[];
  nextCursor: string | null;
}
