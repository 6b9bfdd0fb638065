import { Limits, type User } from '@tandem/contract';
import { nameKey } from '../auth/name-key.js';

const wordCharacter = /[\p{L}\p{N}_]/u;

function isWordCharacter(character: string | undefined): boolean {
  return character !== undefined && wordCharacter.test(character);
}

/** The whole code point that starts at `index` (a surrogate pair is one character here). */
function characterAt(text: string, index: number): string | undefined {
  const codePoint = text.codePointAt(index);
  return codePoint === undefined ? undefined : String.fromCodePoint(codePoint);
}

/** The whole code point that ends just before `index`. */
function characterBefore(text: string, index: number): string | undefined {
  return [...text.slice(Math.max(0, index - 2), index)].at(-1);
}

/**
 * The candidates named with `@name` in `text`, in order of first mention. Names are matched
 * without regard to case and may contain spaces; at one `@` the longest matching name wins
 * (`@ann marie` names "ann marie", not "ann"), and the name must end the word, so `@annie` does
 * not name "ann". An `@` inside a word (`ann@example.org`) starts no mention. Display names are
 * not unique: every candidate with the matched name is mentioned.
 */
export function findMentions(text: string, candidates: readonly User[]): User[] {
  if (candidates.length === 0 || !text.includes('@')) return [];
  const longestFirst = [...candidates].sort((a, b) => b.name.length - a.name.length);
  const found = new Map<string, User>();
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (isWordCharacter(characterBefore(text, at))) continue;
    let matchedLength = 0;
    for (const candidate of longestFirst) {
      const { name } = candidate;
      if (name.length < matchedLength) break;
      const end = at + 1 + name.length;
      if (nameKey(text.slice(at + 1, end)) !== nameKey(name)) continue;
      if (isWordCharacter(characterAt(text, end)) && isWordCharacter(characterBefore(text, end))) continue;
      matchedLength = name.length;
      if (!found.has(candidate.id)) found.set(candidate.id, { id: candidate.id, name });
    }
  }
  return [...found.values()];
}

/**
 * The keys (`nameKey`) of every name `findMentions` could match in `text`: after each `@` that
 * starts a mention, each stretch of up to `Limits.nameLength` characters that ends a word (not in
 * a space: names are trimmed). The
 * members a message names are found by these, without reading the others.
 */
export function mentionKeys(text: string): string[] {
  const keys = new Set<string>();
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (isWordCharacter(characterBefore(text, at))) continue;
    const last = Math.min(text.length, at + 1 + Limits.nameLength);
    for (let end = at + 2; end <= last; end++) {
      const lastCharacter = characterBefore(text, end);
      // Names are trimmed: none ends in a space.
      if (lastCharacter === undefined || /\s/u.test(lastCharacter)) continue;
      if (isWordCharacter(characterAt(text, end)) && isWordCharacter(lastCharacter)) continue;
      keys.add(nameKey(text.slice(at + 1, end)));
    }
  }
  return [...keys];
}
