import {
  ChatBroadcast,
  Limits,
  applyPresence,
  countsAsUnread,
  type ChatChange,
  type Message,
  type PresenceChanged,
  type PresenceMember,
  type PresencePage,
  type ReadMarker,
  type Room,
  type RoomJoined,
  type RoomSnapshot,
  type User,
} from '@tandem/contract';

/** One joined room as this client holds it. */
export interface RoomState {
  room: Room;
  /** The last `seq` applied to `messages`: broadcasts at or below it are already here. */
  seq: number;
  /** Oldest first. */
  messages: Message[];
  /** The first page of online members (kept as last seen: restored ones may lack `status`). */
  members: PresenceMember[];
  /** How many are online in all. */
  online: number;
  /** The presence version of `members`: a `presence` delta applies to the one before it. */
  presenceVersion: number;
  typing: User[];
  /** How many others type, as the last `typing` said (more than `typing` names in a big room). */
  typingCount: number;
  /** `joining` while a (re)join is in flight; broadcasts are held until it answers. */
  status: 'joining' | 'joined';
  hasOlder: boolean;
  loadingOlder: boolean;
  unread: number;
  /** Those of `unread` that mention the user. */
  mentions: number;
  /** The user's own read marker. */
  readSeq: number;
  /** Every member's read marker ("seen by", and who is offline). */
  readMarkers: ReadMarker[];
  /** The read marker when the room was last made current: "new messages" start after it. */
  dividerSeq: number;
}

/** A room's unread counts as `room:list` last gave them (rooms without a view hear no broadcasts). */
export interface UnreadCounts {
  unread: number;
  mentions: number;
}

/** What a change needs to know besides the room: who reads, and whether a new message counts as unread. */
export interface Reader {
  me: User;
  /** The user is not looking at this room now: a new message from others counts as unread. */
  away: boolean;
}

export function mentionsUser(message: Message, userId: string): boolean {
  return message.mentions.some((user) => user.id === userId);
}

/** Inserts by `seq`, ignoring a message already held (the ack and the broadcast both bring it). */
export function insertMessage(messages: readonly Message[], message: Message): Message[] {
  const last = messages.at(-1);
  if (!last || last.seq < message.seq) return [...messages, message];
  if (messages.some((held) => held.id === message.id)) return messages as Message[];
  const index = messages.findIndex((held) => held.seq > message.seq);
  const at = index === -1 ? messages.length : index;
  return [...messages.slice(0, at), message, ...messages.slice(at)];
}

/** Replaces a held message by id (edits, reactions and deletes carry the whole message). */
export function replaceMessage(view: RoomState, message: Message): RoomState {
  const index = view.messages.findIndex((held) => held.id === message.id);
  if (index === -1) return view;
  const messages = view.messages.slice();
  messages[index] = message;
  return { ...view, messages };
}

/** A first join, or a gap too old to replay: the snapshot replaces what was held. */
export function roomFromSnapshot(data: RoomSnapshot, previous: RoomState | undefined): RoomState {
  return {
    room: data.room,
    seq: data.seq,
    messages: data.messages,
    ...presenceFrom(data.presence),
    typing: previous?.typing ?? [],
    typingCount: previous?.typingCount ?? 0,
    status: 'joining',
    hasOlder: data.messages.length >= Limits.snapshotMessages,
    loadingOlder: false,
    unread: 0,
    mentions: 0,
    readSeq: data.readSeq,
    readMarkers: data.readMarkers,
    dividerSeq: previous?.dividerSeq ?? data.readSeq,
  };
}

/** The first page as the server gave it (a join's answer, or `room:members` without a cursor). */
export function presenceFrom(page: PresencePage): Pick<RoomState, 'members' | 'online' | 'presenceVersion'> {
  return { members: page.members, online: page.online, presenceVersion: page.version };
}

/** A logged change (`message:*`, `room:updated`), applied once: at or below the room's `seq` it is already here. */
export function applyRoomChange(view: RoomState, change: ChatChange, reader: Reader): RoomState {
  if (change.seq <= view.seq) return view;
  const seq = change.seq;
  switch (change.event) {
    case ChatBroadcast.MessageCreated: {
      const { message } = change.data;
      // A reply shows in its thread; its parent's new summary comes as the next change.
      if (message.replyTo !== undefined) return withoutTyping({ ...view, seq }, message.author.id);
      let next: RoomState = { ...view, seq, messages: insertMessage(view.messages, message) };
      next = withoutTyping(next, message.author.id);
      if (countsAsUnread(message, reader.me.id, view.readSeq) && reader.away) {
        next.unread += 1;
        if (mentionsUser(message, reader.me.id)) next.mentions += 1;
      }
      return next;
    }
    case ChatBroadcast.MessageUpdated:
    case ChatBroadcast.MessageDeleted: {
      const { message } = change.data;
      const previous = view.messages.find((held) => held.id === message.id);
      const next = { ...replaceMessage(view, message), seq };
      if (previous && message.deletedAt !== undefined && countsAsUnread(previous, reader.me.id, view.readSeq)) {
        // A deleted message no longer counts: the badge follows the server's rule.
        next.unread = Math.max(0, next.unread - 1);
        if (mentionsUser(previous, reader.me.id)) next.mentions = Math.max(0, next.mentions - 1);
      }
      return next;
    }
    case ChatBroadcast.RoomUpdated:
      return { ...view, seq, room: withInviteCode(change.data.room, view.room) };
  }
}

/**
 * Someone stopped typing (or sent a message). The count includes them: a message that ends their
 * typing ends it in the count too.
 */
export function withoutTyping(view: RoomState, userId: string): RoomState {
  if (!view.typing.some((user) => user.id === userId)) return view;
  const typing = view.typing.filter((user) => user.id !== userId);
  return { ...view, typing, typingCount: Math.max(typing.length, view.typingCount - 1) };
}

/** A room as an answer or broadcast gives it; an invite code already known is kept when it has none. */
export function withInviteCode(room: Room, known: Room | undefined): Room {
  return { ...room, inviteCode: room.inviteCode ?? known?.inviteCode };
}

/** Moves the user's own marker forward (never back), recounting what is left unread. */
export function moveReadMarker(view: RoomState, readSeq: number, me: User): RoomState {
  if (readSeq < view.readSeq) return view;
  const unread = view.messages.filter((message) => countsAsUnread(message, me.id, readSeq));
  return {
    ...setMarker(view, me, readSeq),
    readSeq,
    unread: unread.length,
    mentions: unread.filter((message) => mentionsUser(message, me.id)).length,
  };
}

/** Someone's read marker moved (never back). */
export function setMarker(view: RoomState, user: User, readSeq: number): RoomState {
  const marker = view.readMarkers.find((held) => held.user.id === user.id);
  if (!marker) return { ...view, readMarkers: [...view.readMarkers, { user, readSeq, lastSeenAt: null }] };
  if (readSeq <= marker.readSeq) return view;
  return {
    ...view,
    readMarkers: view.readMarkers.map((held) => (held.user.id === user.id ? { ...held, readSeq } : held)),
  };
}

/** A `presence` delta; `gap` when one was missed (the first page must be fetched again). */
export function applyPresenceDelta(view: RoomState, delta: PresenceChanged): RoomState | 'gap' {
  const next = { ...view };
  return applyPresence(next, delta) === 'gap' ? 'gap' : next;
}

/**
 * A join's answer: missed changes replayed on the room held, or a snapshot that replaces it;
 * then the markers and the first page of members as the answer gives them. Undefined when the
 * answer replays changes on a room that is no longer held.
 */
export function applyJoined(view: RoomState | undefined, data: RoomJoined, reader: Reader): RoomState | undefined {
  let next: RoomState;
  if ('changes' in data) {
    if (!view) return undefined;
    next = { ...view, room: data.room };
    for (const change of data.changes) next = applyRoomChange(next, change, reader);
    next = { ...next, seq: Math.max(next.seq, data.seq) };
  } else {
    next = roomFromSnapshot(data, view);
  }
  next = moveReadMarker({ ...next, readMarkers: data.readMarkers }, data.readSeq, reader.me);
  return { ...next, ...presenceFrom(data.presence) };
}
