import {
  ChatCommand,
  DirectoryChange,
  Limits,
  type DirectoryChanged,
  type Namespace,
  type Room,
} from '@tandem/contract';
import type { Connection } from '../connection.js';
import { applyDirectoryChange, spaceFields } from '../directory.js';
import { newOpId } from '../feature.js';
import type { ChatFeature } from './chat.js';
import type { ChatLastSeen, ChatState } from './chat-state.js';
import { withInviteCode, type UnreadCounts } from './room.js';

/** The room list, and opening, leaving, renaming and paging back through rooms. */
export class ChatRooms {
  constructor(
    private readonly chat: ChatFeature,
    private readonly connection: Connection<typeof Namespace.Chat>,
  ) {}

  refreshCatalog(quiet = false): Promise<void> {
    return this.chat.loadCatalog(
      quiet,
      'the rooms',
      () => this.connection.send(ChatCommand.RoomList, {}),
      (data) =>
        this.chat.setState((state) => ({
          ...state,
          rooms: data.rooms,
          listedUnread: Object.fromEntries(
            data.rooms.map((room) => [room.id, { unread: room.unread, mentions: room.mentions }]),
          ),
        })),
      (catalogLoading) => this.chat.setState((state) => ({ ...state, catalogLoading })),
    );
  }

  async create(name: string, isPrivate: boolean): Promise<boolean> {
    const created = await this.chat.request(
      'create the room',
      this.connection.send(ChatCommand.RoomCreate, { name, visibility: isPrivate ? 'private' : 'public' }),
    );
    if (!created) return false;
    const { room } = created;
    this.chat.setState((state) =>
      state.rooms.some((listed) => listed.id === room.id) ? state : { ...state, rooms: [...state.rooms, room] },
    );
    return this.open(room.id);
  }

  /** Makes a room current, joining it first if needed (an invite code opens a private room). */
  async open(roomId: string, inviteCode?: string): Promise<boolean> {
    const { views, currentRoomId: previous } = this.chat.state.get();
    if (views[roomId] && !inviteCode) {
      this.chat.makeCurrent(roomId);
      return true;
    }
    if (!this.connection.connected) {
      this.chat.notify('error', 'You are offline: rooms open once the connection is back.');
      return false;
    }
    this.chat.setState((state) => ({ ...state, currentRoomId: roomId }));
    const joined = await this.chat.join(roomId, inviteCode);
    if (joined) {
      // Unless another room was opened while this one joined.
      if (this.chat.state.get().currentRoomId === roomId) this.chat.makeCurrent(roomId);
      if (!this.chat.state.get().rooms.some((listed) => listed.id === roomId)) void this.refreshCatalog(true);
    } else if (this.chat.state.get().currentRoomId === roomId) {
      this.chat.setState((state) => ({ ...state, currentRoomId: previous }));
    }
    return joined;
  }

  async leave(roomId: string): Promise<void> {
    if (!(await this.chat.request('leave the room', this.connection.send(ChatCommand.RoomLeave, { roomId })))) return;
    this.chat.forget(roomId);
    await this.refreshCatalog(true);
  }

  async loadOlder(roomId: string): Promise<void> {
    const view = this.chat.state.get().views[roomId];
    if (!view || view.loadingOlder) return;
    const oldest = view.messages[0];
    this.chat.updateView(roomId, (held) => ({ ...held, loadingOlder: true }));
    const outcome = await this.connection.send(ChatCommand.MessageHistory, {
      roomId,
      ...(oldest ? { before: oldest.seq } : {}),
      limit: Limits.historyPageDefault,
    });
    this.chat.updateView(roomId, (held) => {
      if (!outcome.ok) return { ...held, loadingOlder: false };
      const older = outcome.data.messages.filter((message) => !held.messages.some((known) => known.id === message.id));
      return {
        ...held,
        loadingOlder: false,
        messages: [...older, ...held.messages],
        hasOlder: outcome.data.nextCursor !== null,
      };
    });
    if (!outcome.ok) this.chat.notify('error', `Could not load older messages: ${outcome.error.message}`);
  }

  /** One page of `message:search` over the rooms the user may read; `cursor` asks for the next. */
  search(query: string, cursor?: string) {
    return this.connection.send(ChatCommand.MessageSearch, { query, ...(cursor ? { cursor } : {}) });
  }

  /**
   * Opens the room with the message at `seq` held, older pages loaded until it is there (with
   * everything after it, as a room shows): where a search result jumps to.
   */
  async reveal(roomId: string, seq: number): Promise<boolean> {
    if (!(await this.open(roomId))) return false;
    for (;;) {
      const view = this.chat.state.get().views[roomId];
      if (!view) return false;
      if (view.messages.some((message) => message.seq === seq)) return true;
      const held = view.messages.length;
      if (!view.hasOlder || (view.messages[0]?.seq ?? 0) < seq) return false;
      await this.loadOlder(roomId);
      if (this.chat.state.get().views[roomId]?.messages.length === held) return false;
    }
  }

  /** The room's unread counts: live for joined rooms, as listed for the others. */
  unreadOf(roomId: string): UnreadCounts {
    const { views, listedUnread } = this.chat.state.get();
    const view = views[roomId];
    if (view) return { unread: view.unread, mentions: view.mentions };
    return listedUnread[roomId] ?? { unread: 0, mentions: 0 };
  }

  /** Owner only: renames the room (announced to its members by `room:updated`). */
  async rename(roomId: string, name: string): Promise<boolean> {
    const renamed = await this.chat.request(
      'rename the room',
      this.connection.send(ChatCommand.RoomRename, { opId: newOpId(), roomId, name }),
    );
    if (renamed) this.adopt(renamed.room);
    return renamed !== null;
  }

  /** Owner of a private room only: a new invite code; the old one stops working. */
  async rotateInvite(roomId: string): Promise<boolean> {
    const rotated = await this.chat.request(
      'change the invite code',
      this.connection.send(ChatCommand.RoomInviteRotate, { opId: newOpId(), roomId }),
    );
    if (!rotated) return false;
    this.adopt(rotated.room);
    this.chat.notify('info', 'New invite code: the old one no longer opens the room.');
    return true;
  }

  /** A room as an answer gives it, in the list and in its view. */
  adopt(room: Room): void {
    this.chat.setState((state) => {
      const view = state.views[room.id];
      return {
        ...state,
        views: view ? { ...state.views, [room.id]: { ...view, room: withInviteCode(room, view.room) } } : state.views,
        rooms: state.rooms.map((listed) =>
          listed.id === room.id ? { ...listed, ...withInviteCode(room, listed) } : listed,
        ),
      };
    });
  }

  /** The room list follows every room created, renamed or deleted; so do the joined rooms. */
  directoryChanged(change: DirectoryChanged): void {
    const { space } = change;
    if (change.kind === DirectoryChange.Deleted && this.chat.state.get().views[space.id]) this.chat.forget(space.id);
    this.chat.setState((state) => {
      const view = state.views[space.id];
      return {
        ...state,
        rooms: applyDirectoryChange(state.rooms, change, (summary, held) => ({
          seq: summary.seq,
          ...held,
          ...spaceFields(summary, held),
          name: summary.name,
        })),
        views: view
          ? { ...state.views, [space.id]: { ...view, room: { ...view.room, name: space.name } } }
          : state.views,
      };
    });
  }

  /** The open room, and rooms with messages waiting: a reload rejoins no more than these. */
  lastSeen(state: ChatState): ChatLastSeen {
    const waiting = new Set(this.chat.messages.queued().map((entry) => entry.roomId));
    const kept = Object.values(state.views).filter(
      (view) => view.room.id === state.currentRoomId || waiting.has(view.room.id),
    );
    return {
      rooms: state.rooms,
      views: kept.map((view) => ({
        room: view.room,
        seq: view.seq,
        // The latest page is enough to show; "Load older" pages back from it.
        messages: view.messages.slice(-Limits.snapshotMessages),
        members: view.members,
        online: view.online,
        hasOlder: view.hasOlder || view.messages.length > Limits.snapshotMessages,
      })),
    };
  }

  /** The rooms come back as last seen, rejoined from their `seq` on connecting. */
  restore({ rooms, views }: ChatLastSeen): void {
    this.chat.setState((state) => {
      const restored = { ...state.views };
      for (const seen of views) {
        if (restored[seen.room.id]) continue;
        restored[seen.room.id] = {
          ...seen,
          online: seen.online ?? seen.members.length,
          presenceVersion: 0,
          typing: [],
          typingCount: 0,
          status: 'joined',
          loadingOlder: false,
          unread: 0,
          mentions: 0,
          // Until the rejoin answers with the markers: nothing is shown as new or seen.
          readSeq: seen.seq,
          readMarkers: [],
          dividerSeq: seen.seq,
        };
      }
      return { ...state, rooms: state.rooms.length === 0 ? rooms : state.rooms, views: restored };
    });
  }
}
