import { DirectoryChange, type DirectoryChanged, type SpaceSummary } from '@tandem/contract';

/**
 * Applies a `directory:changed` to a namespace's directory (rooms, boards, lists), by the space's
 * id: a created space is added (or, heard twice, updated), a renamed one takes its new name, a
 * deleted one leaves. `make` turns a space into the directory's entry, from the one held if any.
 */
export function applyDirectoryChange<T extends { id: string }>(
  entries: readonly T[],
  { kind, space }: DirectoryChanged,
  make: (space: SpaceSummary, held: T | undefined) => T,
): T[] {
  const held = entries.find((entry) => entry.id === space.id);
  if (kind === DirectoryChange.Deleted) return entries.filter((entry) => entry.id !== space.id);
  if (!held) return kind === DirectoryChange.Created ? [...entries, make(space, undefined)] : [...entries];
  return entries.map((entry) => (entry.id === space.id ? make(space, entry) : entry));
}

/** The fields every space has, as its entry names them; an invite code already held is kept. */
export function spaceFields(space: SpaceSummary, held: { inviteCode?: string } | undefined) {
  const inviteCode = space.inviteCode ?? held?.inviteCode;
  const { id, visibility, ownerId, createdAt } = space;
  return { id, visibility, ownerId, createdAt, ...(inviteCode ? { inviteCode } : {}) };
}
