import {
  MemoryOutboxStorage,
  Session,
  TandemClient,
  type Notice,
  type OutboxStorage,
  type Store,
} from '@tandem/client';

const waitLimitMs = 15_000;

/** Every client made here, so that teardown can stop what a failed test left running. */
const running = new Set<TandemClient>();

/** Signs `name` in at `url` and starts a `@tandem/client` for them, as a script would. */
export async function startClient(
  url: string,
  name: string,
  storage: OutboxStorage = new MemoryOutboxStorage(),
): Promise<TandemClient> {
  const session = new Session(url);
  if (!(await session.signIn(name))) throw new Error(`sign-in failed: ${session.state.get().problem}`);
  return startClientFor(url, session, storage);
}

/** Starts a client for a session already signed in, and waits until its three namespaces are connected. */
export async function startClientFor(
  url: string,
  session: Session,
  storage: OutboxStorage,
  notify?: (notice: Notice) => void,
): Promise<TandemClient> {
  const client = new TandemClient({ baseUrl: url, session, storage, ...(notify ? { notify } : {}) });
  running.add(client);
  await client.start();
  await client.connected();
  return client;
}

export async function stopClients(): Promise<void> {
  await Promise.all([...running].map((client) => client.stop()));
  running.clear();
}

/** Resolves with the store's value once `test` holds for it; rejects after the wait limit. */
export function until<T>(store: Store<T>, test: (value: T) => boolean, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    if (test(store.get())) return resolve(store.get());
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}`));
    }, waitLimitMs);
    const stop = store.subscribe((value) => {
      if (!test(value)) return;
      clearTimeout(timer);
      stop();
      resolve(value);
    });
  });
}
