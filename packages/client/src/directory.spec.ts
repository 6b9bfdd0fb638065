import { describe, expect, it } from '@jest/globals';
import type { DirectoryChanged, SpaceSummary } from '@tandem/contract';
import { applyDirectoryChange, spaceFields } from './directory.js';

interface Entry {
  id: string;
  name: string;
  inviteCode?: string;
  extra: number;
}

const space = (id: string, name: string, fields: Partial<SpaceSummary> = {}): SpaceSummary => ({
  id,
  name,
  visibility: 'public',
  ownerId: 'u1',
  createdAt: '2026-01-01T00:00:00.000Z',
  seq: 0,
  ...fields,
});
const make = (summary: SpaceSummary, held: Entry | undefined): Entry => ({
  ...spaceFields(summary, held),
  name: summary.name,
  extra: held?.extra ?? 0,
});
const change = (kind: DirectoryChanged['kind'], summary: SpaceSummary): DirectoryChanged => ({ kind, space: summary });

describe('applyDirectoryChange', () => {
  const entries: Entry[] = [{ id: 'a', name: 'Alpha', extra: 3, inviteCode: 'code' }];

  it('adds a created space once, even when the event comes twice', () => {
    const once = applyDirectoryChange(entries, change('created', space('b', 'Beta')), make);
    expect(once.map((entry) => entry.id)).toEqual(['a', 'b']);
    expect(applyDirectoryChange(once, change('created', space('b', 'Beta')), make)).toEqual(once);
  });

  it('renames by id, keeping what only the entry knows', () => {
    const renamed = applyDirectoryChange(entries, change('renamed', space('a', 'Alef')), make);
    expect(renamed).toEqual([expect.objectContaining({ id: 'a', name: 'Alef', extra: 3, inviteCode: 'code' })]);
  });

  it('removes a deleted space and ignores a rename of an unknown one', () => {
    expect(applyDirectoryChange(entries, change('deleted', space('a', 'Alpha')), make)).toEqual([]);
    expect(applyDirectoryChange(entries, change('renamed', space('z', 'Zed')), make)).toEqual(entries);
  });
});
