export type NoticeTone = 'error' | 'info';

export interface Notice {
  id: number;
  tone: NoticeTone;
  text: string;
}

const visibleMs = 6_000;

/** Short messages shown as toasts: failed commands, sign-outs, anything the user should know. */
export class NoticeManager {
  items = $state<Notice[]>([]);
  private nextId = 1;
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();

  error(text: string): void {
    this.push('error', text);
  }

  info(text: string): void {
    this.push('info', text);
  }

  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.items = this.items.filter((notice) => notice.id !== id);
  }

  private push(tone: NoticeTone, text: string): void {
    // The same failure repeated (a flapping connection, say) stays one toast.
    const same = this.items.find((notice) => notice.tone === tone && notice.text === text);
    if (same) this.dismiss(same.id);
    const id = this.nextId++;
    this.items = [...this.items.slice(-3), { id, tone, text }];
    this.timers.set(
      id,
      setTimeout(() => this.dismiss(id), visibleMs),
    );
  }
}

export const notices = new NoticeManager();
