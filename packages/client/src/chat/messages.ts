import {
  ChatBroadcast,
  ChatCommand,
  type ChatChange,
  type Message,
  type Namespace,
  type ReadUpdated,
} from '@tandem/contract';
import type { Connection } from '../connection.js';
import { newOpId } from '../feature.js';
import type { OutboxEntry } from '../outbox-entry.js';
import type { Outbox } from '../outbox.js';
import type { CommandOutcome } from '../transport.js';
import type { ChatFeature } from './chat.js';
import { insertMessage, moveReadMarker, replaceMessage, setMarker } from './room.js';

/** A message written here and not yet acknowledged by the server. */
export interface OutgoingMessage {
  opId: string;
  roomId: string;
  text: string;
  /** A reply: its thread's parent. */
  replyTo?: string;
  createdAt: string;
  /** `queued`: waits for a connection; `sending`: on the wire; `failed`: refused. */
  status: 'queued' | 'sending' | 'failed';
  error: string | null;
}

/** A change to a message made here (edit, delete, reaction), queued like new messages. */
export interface MessageChange {
  opId: string;
  messageId: string;
  kind: 'edit' | 'delete' | 'react';
  text?: string;
  emoji?: string;
  status: OutboxEntry['status'];
}

type SendArgs = { roomId: string; text: string; replyTo?: string };
type ChangeArgs = { messageId: string; roomId: string; text?: string; emoji?: string };

const send = 'message:send';
const changeNames = { edit: 'message:edit', delete: 'message:delete', react: 'reaction:toggle' } as const;
const changeWords = { edit: 'edit the message', delete: 'delete the message', react: 'react' } as const;
type ChangeKind = keyof typeof changeNames;

/** `room:read` is sent at most this often per room while messages arrive. */
const readRepeatMs = 1_000;

/**
 * Messages, edits, deletes and reactions made here: all go through the outbox (queued offline,
 * sent in order on reconnecting, whatever view is shown); a refused message stays, as failed, for
 * the user to retry or discard. Also the user's read marker.
 */
export class ChatMessages {
  private readonly readSent = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> | null }>();

  constructor(
    private readonly chat: ChatFeature,
    private readonly connection: Connection<typeof Namespace.Chat>,
    private readonly outbox: Outbox,
  ) {
    outbox.handle(connection.namespace, {
      canSend: () => connection.canSend(),
      send: (entry) => this.transmit(entry),
      acknowledged: (entry, data) => {
        const { message } = data as { message: Message };
        if (message.replyTo !== undefined) {
          this.chat.threads.acknowledged(message);
          return;
        }
        this.chat.updateView(message.roomId, (view) =>
          // The known seq moves only with the room's broadcasts, which keep it gap-free.
          entry.name === send
            ? { ...view, messages: insertMessage(view.messages, message) }
            : replaceMessage(view, message),
        );
      },
      refused: (entry, error) => {
        if (entry.name === send) return 'keep';
        const kind =
          (Object.keys(changeNames) as ChangeKind[]).find((key) => changeNames[key] === entry.name) ?? 'edit';
        this.chat.notify('error', `Could not ${changeWords[kind]}: ${error.message}`);
        return 'drop';
      },
    });
  }

  /** Messages not acknowledged yet, in the order they were written. */
  queued(entries: readonly OutboxEntry[] = this.outbox.entries.get()): OutgoingMessage[] {
    return entries
      .filter((entry) => entry.namespace === this.connection.namespace && entry.name === send)
      .map((entry) => ({
        opId: entry.opId,
        ...(entry.args as SendArgs),
        createdAt: entry.createdAt,
        status: entry.status,
        error: entry.error,
      }));
  }

  /** Edits, deletes and reactions not acknowledged yet. */
  changes(entries: readonly OutboxEntry[] = this.outbox.entries.get()): MessageChange[] {
    const kinds = Object.entries(changeNames) as [ChangeKind, string][];
    return entries.flatMap((entry) => {
      const kind = kinds.find(([, name]) => name === entry.name)?.[0];
      if (entry.namespace !== this.connection.namespace || !kind) return [];
      const { messageId, text, emoji } = entry.args as ChangeArgs;
      return [
        {
          opId: entry.opId,
          messageId,
          kind,
          status: entry.status,
          ...(text ? { text } : {}),
          ...(emoji ? { emoji } : {}),
        },
      ];
    });
  }

  /** A message, or with `replyTo` a reply in that message's thread. */
  send(roomId: string, text: string, replyTo?: string): void {
    if (!this.chat.state.get().views[roomId]) return;
    this.chat.signals.stopTyping(roomId);
    this.outbox.add<SendArgs>(
      this.connection.namespace,
      send,
      { roomId, text, ...(replyTo ? { replyTo } : {}) },
      newOpId(),
    );
  }

  /**
   * A logged change heard (live or replayed by a rejoin): one's own new message, stored, carries
   * the opId that sent it, and its pending copy goes now, whether the ack came first or not. The
   * copy goes before the stored message is shown, so the two are never shown together.
   */
  stored(change: ChatChange): void {
    if (change.event !== ChatBroadcast.MessageCreated) return;
    const { opId, message } = change.data;
    if (opId === undefined || message.author.id !== this.chat.me.id) return;
    this.outbox.remove((entry) => entry.opId === opId && entry.namespace === this.connection.namespace);
  }

  retry(opId: string): void {
    this.outbox.retry(opId);
  }

  discard(opId: string): void {
    this.outbox.remove((entry) => entry.opId === opId);
  }

  edit(messageId: string, text: string): boolean {
    return this.change('edit', messageId, { text });
  }

  remove(messageId: string): boolean {
    return this.change('delete', messageId, {});
  }

  toggleReaction(messageId: string, emoji: string): boolean {
    return this.change('react', messageId, { emoji });
  }

  private change(kind: ChangeKind, messageId: string, extra: Pick<ChangeArgs, 'text' | 'emoji'>): boolean {
    const message = this.held(messageId);
    if (!message) return false;
    this.outbox.add<ChangeArgs>(
      this.connection.namespace,
      changeNames[kind],
      { messageId, roomId: message.roomId, ...extra },
      newOpId(),
    );
    return true;
  }

  private transmit(entry: OutboxEntry): Promise<CommandOutcome<unknown>> {
    const { opId } = entry;
    if (entry.name === send) {
      const { roomId, text, replyTo } = entry.args as SendArgs;
      return this.connection.send(ChatCommand.MessageSend, { opId, roomId, text, ...(replyTo ? { replyTo } : {}) });
    }
    const { messageId, text, emoji } = entry.args as ChangeArgs;
    if (entry.name === changeNames.edit)
      return this.connection.send(ChatCommand.MessageEdit, { opId, messageId, text: text ?? '' });
    if (entry.name === changeNames.react) {
      return this.connection.send(ChatCommand.ReactionToggle, { opId, messageId, emoji: emoji ?? '' });
    }
    return this.connection.send(ChatCommand.MessageDelete, { opId, messageId });
  }

  /** The last message of one's own that can still be edited, for Up in an empty composer. */
  lastEditable(roomId: string): Message | null {
    const messages = this.chat.state.get().views[roomId]?.messages ?? [];
    return (
      messages.findLast(
        (message) =>
          message.author.id === this.chat.me.id && message.kind === 'user' && message.deletedAt === undefined,
      ) ?? null
    );
  }

  /**
   * The user sees the room's latest messages: moves their read marker there. Sent at most every
   * `readRepeatMs` per room, the last call of a burst included.
   */
  markRead(roomId: string): void {
    const view = this.chat.state.get().views[roomId];
    if (!view || view.status !== 'joined' || view.seq <= view.readSeq || !this.connection.canSend()) return;
    const sent = this.readSent.get(roomId);
    const wait = sent ? sent.at + readRepeatMs - Date.now() : 0;
    if (sent?.timer) clearTimeout(sent.timer);
    if (wait <= 0) {
      this.readSent.set(roomId, { at: Date.now(), timer: null });
      void this.sendRead(roomId, view.seq);
      return;
    }
    // The seq seen now, not the one the room has when the timer fires: by then the reader may be
    // elsewhere, and what arrived meanwhile is not read.
    const seen = view.seq;
    const timer = setTimeout(() => {
      this.readSent.set(roomId, { at: Date.now(), timer: null });
      if (this.connection.canSend()) void this.sendRead(roomId, seen);
    }, wait);
    this.readSent.set(roomId, { at: sent?.at ?? 0, timer });
  }

  /** The message as held in its room (if the room is joined), or in the open thread. */
  held(messageId: string): Message | undefined {
    const { views, thread } = this.chat.state.get();
    for (const view of Object.values(views)) {
      const message = view.messages.find((known) => known.id === messageId);
      if (message) return message;
    }
    return thread?.replies.find((reply) => reply.id === messageId);
  }

  /** The user's own marker moved (never back). */
  markerMoved(roomId: string, readSeq: number): void {
    this.chat.updateView(roomId, (view) => moveReadMarker(view, readSeq, this.chat.me));
  }

  /** Someone's read marker moved; the user's own (from another tab) recounts what is unread. */
  onReadUpdated(payload: ReadUpdated): void {
    if (payload.user.id === this.chat.me.id) this.markerMoved(payload.roomId, payload.readSeq);
    else this.chat.updateView(payload.roomId, (view) => setMarker(view, payload.user, payload.readSeq));
  }

  dispose(): void {
    for (const sent of this.readSent.values()) if (sent.timer) clearTimeout(sent.timer);
  }

  private async sendRead(roomId: string, seq: number): Promise<void> {
    const outcome = await this.connection.send(ChatCommand.RoomRead, { roomId, seq });
    if (!outcome.ok) return;
    this.markerMoved(roomId, outcome.data.readSeq);
    const { unread, mentions } = outcome.data;
    this.chat.setState((state) => ({
      ...state,
      listedUnread: { ...state.listedUnread, [roomId]: { unread, mentions } },
    }));
  }
}
