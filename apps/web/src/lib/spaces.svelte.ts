import type { Feature } from '@tandem/client';
import {
  ChatCommand,
  chatCommandSchemas,
  ListsCommand,
  listsCommandSchemas,
  ScoreboardCommand,
  scoreboardCommandSchemas,
  type Namespace,
  type parsePayload,
  type Visibility,
} from '@tandem/contract';
import { FeatureBinding } from './binding.svelte.js';
import { viewOfSpace, type SpaceKindName } from './router.js';
import { capitalize } from './words.js';

/** What the sidebar and the header show of any room, board or list. */
export type SpaceEntry = { id: string; visibility: Visibility; ownerId: string; inviteCode?: string } & (
  { name: string } | { title: string }
);

/** What the head of the open space shows of it (see `EntityHeader`). */
export interface OpenSpaceView {
  readonly kind: SpaceKindName;
  readonly space: SpaceEntry | null;
  readonly syncing: boolean;
}

/**
 * A feature whose spaces (rooms, boards, lists) are listed in a sidebar, created, joined by id and
 * opened one at a time: what `SpaceView`, `EntityHeader` and `followRoute` need of it, the same
 * for the three. Creating and opening stay the core's; each manager says which of its calls they are.
 */
export abstract class SpaceBinding<
  N extends Namespace,
  S extends { catalogLoading: boolean },
  Entry extends SpaceEntry,
  F extends Feature<N, S> = Feature<N, S>,
>
  extends FeatureBinding<N, S, F>
  implements OpenSpaceView
{
  abstract readonly kind: SpaceKindName;
  /** The directory as the sidebar lists it, with the open space when the directory does not show it yet. */
  abstract readonly sidebarEntries: Entry[];
  abstract readonly currentId: string | null;
  /** The open space, once known (null while its join is in flight). */
  abstract readonly space: SpaceEntry | null;
  /** A join or resync of the open space is in flight: what is shown may be behind. */
  abstract readonly syncing: boolean;

  abstract create(name: string, isPrivate: boolean): Promise<boolean>;
  abstract open(spaceId: string, inviteCode?: string): Promise<boolean>;

  get catalogLoading(): boolean {
    return this.state.catalogLoading;
  }
  get isOwner(): boolean {
    return this.space?.ownerId === this.me.id;
  }
  get online(): boolean {
    return this.connection === 'connected';
  }
}

/** A room's or board's name, a list's title. */
export function spaceName(space: SpaceEntry): string {
  return 'title' in space ? space.title : space.name;
}

const roomJoin = chatCommandSchemas[ChatCommand.RoomJoin];
const boardJoin = scoreboardCommandSchemas[ScoreboardCommand.BoardJoin];
const listJoin = listsCommandSchemas[ListsCommand.ListJoin];

/** What sets each kind of space apart in its view; the rest of its words follow from its name. */
const kinds = {
  room: { navLabel: 'Room list', nameField: 'name', opening: 'Joining the room…', joinSchema: roomJoin },
  board: { navLabel: 'Board list', nameField: 'name', opening: 'Opening the board…', joinSchema: boardJoin },
  list: { navLabel: 'All lists', nameField: 'title', opening: 'Opening the list…', joinSchema: listJoin },
} as const satisfies Record<SpaceKindName, unknown>;

/** How a view names a kind of space: `Rooms` in its sidebar, `roomId` in its join command… */
export function spaceWords(kind: SpaceKindName) {
  const plural = `${kind}s`;
  return {
    ...kinds[kind],
    view: viewOfSpace(kind),
    plural,
    heading: capitalize(plural),
    /** The id's field in the join command. */
    idKey: `${kind}Id`,
    joinSchema: kinds[kind].joinSchema as Parameters<typeof parsePayload>[0],
  };
}
