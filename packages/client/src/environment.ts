/**
 * Where the client runs, taken from outside so that the core assumes no `window`: whether the
 * network is there, and a way to hear when that changes. A page passes `browserEnvironment()`;
 * Node (a bot, a test) passes nothing and is always online, its sockets telling the rest.
 */
export interface Environment {
  online(): boolean;
  /** Calls `listener` whenever `online()` may have changed; returns the unsubscribe. */
  onOnlineChange(listener: () => void): () => void;
}

export const alwaysOnline: Environment = {
  online: () => true,
  onOnlineChange: () => () => undefined,
};

/** `navigator.onLine` and the window's `online`/`offline` events. */
export function browserEnvironment(): Environment {
  return {
    online: () => navigator.onLine,
    onOnlineChange(listener) {
      window.addEventListener('online', listener);
      window.addEventListener('offline', listener);
      return () => {
        window.removeEventListener('online', listener);
        window.removeEventListener('offline', listener);
      };
    },
  };
}
