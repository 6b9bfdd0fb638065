import { z } from 'zod';
import { displayName, id, inviteCode, seq, visibility } from './common.js';

/**
 * A space is what people join: a chat room, a scoreboard board or a list. Every namespace keeps a
 * directory of its spaces (`room:list`, `board:list`, `list:list`) and tells its connected clients
 * when that directory changes, so no client has to poll it.
 */

/** Server → client events that every namespace sends about its directory of spaces. */
export const DirectoryBroadcast = {
  /** A space was created, renamed or deleted. Public spaces: to every socket of the namespace; private ones: to their members' sockets. */
  Changed: 'directory:changed',
} as const;
export type DirectoryBroadcast = (typeof DirectoryBroadcast)[keyof typeof DirectoryBroadcast];

/** What happened to the space. */
export const DirectoryChange = {
  Created: 'created',
  Renamed: 'renamed',
  Deleted: 'deleted',
} as const;
export type DirectoryChange = (typeof DirectoryChange)[keyof typeof DirectoryChange];

/** A space as a directory shows it to anyone who may see it. */
export const spaceSummarySchema = z.strictObject({
  id,
  /** The room's or board's name, the list's title. */
  name: displayName,
  visibility,
  ownerId: id,
  createdAt: z.iso.datetime({ offset: true }),
  /** The last `seq` of the space's change stream when the change happened. */
  seq,
  /** Private spaces only (their directory changes reach only their members). */
  inviteCode: inviteCode.optional(),
});
export type SpaceSummary = z.infer<typeof spaceSummarySchema>;

/** `directory:changed`: for `deleted`, the space as it was last. */
export const directoryChangedSchema = z.strictObject({
  kind: z.enum([DirectoryChange.Created, DirectoryChange.Renamed, DirectoryChange.Deleted]),
  space: spaceSummarySchema,
});
export type DirectoryChanged = z.infer<typeof directoryChangedSchema>;

/** The directory's events, part of every namespace's server events. */
export interface DirectoryServerEvents {
  [DirectoryBroadcast.Changed]: (payload: DirectoryChanged) => void;
}
