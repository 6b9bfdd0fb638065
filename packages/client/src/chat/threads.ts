import { ChatCommand, Limits, type ChatChange, type Message, type Namespace, type RoomJoined } from '@tandem/contract';
import type { Connection } from '../connection.js';
import type { ChatFeature } from './chat.js';
import {
  applyThreadChange,
  openingThread,
  threadFromPage,
  threadSeen,
  withOlderReplies,
  withReply,
  type ThreadState,
} from './thread.js';

/**
 * The thread shown (one at a time): opened with its newest replies, kept live by the room's
 * broadcasts in seq order, caught up by the room's rejoins, paged back on demand.
 *
 * Like a join, opening holds the room's broadcasts until `thread:history` answers; the answer's
 * `seq` says which of them it already holds.
 */
export class ChatThreads {
  /** Whether the user looks at the open thread now (its new replies are read as they come). */
  lookingAt: () => boolean = () => true;

  private held: ChatChange[] | null = null;
  /** Tells an answer for a thread closed since from the current one. */
  private opened = 0;

  constructor(
    private readonly chat: ChatFeature,
    private readonly connection: Connection<typeof Namespace.Chat>,
  ) {}

  /** Opens the thread of `messageId` (the room's parent message), in place of any other. */
  async open(messageId: string): Promise<boolean> {
    const open = ++this.opened;
    this.held = [];
    this.set(openingThread(messageId, this.chat.messages.held(messageId)));
    const outcome = await this.connection.send(ChatCommand.ThreadHistory, {
      messageId,
      limit: Limits.historyPageDefault,
    });
    if (open !== this.opened) return false;
    const held = this.held;
    this.held = null;
    const thread = this.current();
    if (!outcome.ok || !thread) {
      this.set(null);
      if (!outcome.ok) this.chat.notify('error', `Could not open the thread: ${outcome.error.message}`);
      return false;
    }
    let next = threadFromPage(outcome.data, thread);
    for (const change of held) next = applyThreadChange(next, change, this.reader());
    this.set(next);
    return true;
  }

  close(): void {
    this.opened += 1;
    this.held = null;
    this.set(null);
  }

  async loadOlder(): Promise<void> {
    const thread = this.current();
    if (!thread || thread.status !== 'open' || thread.loadingOlder || !thread.hasOlder) return;
    this.update((held) => ({ ...held, loadingOlder: true }));
    const outcome = await this.connection.send(ChatCommand.ThreadHistory, {
      messageId: thread.parentId,
      ...(thread.replies[0] ? { before: thread.replies[0].seq } : {}),
      limit: Limits.historyPageDefault,
    });
    this.update((held) =>
      held.parentId !== thread.parentId
        ? held
        : outcome.ok
          ? withOlderReplies(held, outcome.data)
          : { ...held, loadingOlder: false },
    );
    if (!outcome.ok) this.chat.notify('error', `Could not load older replies: ${outcome.error.message}`);
  }

  /** Writes a reply in the open thread (through the outbox, like any message). */
  reply(text: string): void {
    const thread = this.current();
    if (thread?.status === 'open') this.chat.messages.send(thread.roomId, text, thread.parentId);
  }

  /** The user looks at the thread now. */
  seen(): void {
    this.update(threadSeen);
  }

  /** A change of a room, in seq order (held while the thread opens). */
  onChange(roomId: string, change: ChatChange): void {
    if (this.held) this.held.push(change);
    else if (this.current()?.roomId === roomId)
      this.update((thread) => applyThreadChange(thread, change, this.reader()));
  }

  /** A rejoin of a room: its missed changes catch the thread up; a snapshot means reading it again. */
  rejoined(roomId: string, data: RoomJoined): void {
    const thread = this.current();
    if (!thread || thread.roomId !== roomId || thread.status !== 'open') return;
    if ('changes' in data) {
      this.update((held) =>
        data.changes.reduce((next, change) => applyThreadChange(next, change, this.reader()), held),
      );
    } else void this.open(thread.parentId);
  }

  /** One's own reply (new, edited, deleted, reacted to), acknowledged. */
  acknowledged(reply: Message): void {
    this.update((thread) => withReply(thread, reply));
  }

  /** The room stopped being shown: so does its thread. */
  forget(roomId: string): void {
    if (this.current()?.roomId === roomId) this.close();
  }

  private reader() {
    return { me: this.chat.me, away: !this.lookingAt() };
  }

  private current(): ThreadState | null {
    return this.chat.state.get().thread;
  }

  private update(change: (thread: ThreadState) => ThreadState): void {
    this.chat.setState((state) => {
      if (!state.thread) return state;
      const thread = change(state.thread);
      return thread === state.thread ? state : { ...state, thread };
    });
  }

  private set(thread: ThreadState | null): void {
    this.chat.setState((state) => ({ ...state, thread }));
  }
}
