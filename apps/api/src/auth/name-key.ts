/**
 * A display name as `@name` mentions find it: mentions ignore case (`findMentions`), and the
 * members a message names are looked up by this key (indexed) instead of reading the room's members.
 */
export function nameKey(name: string): string {
  return name.toLowerCase();
}
