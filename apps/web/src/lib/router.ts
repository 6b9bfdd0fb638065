/**
 * Where the app is, as an address: every view, and the room, board or list open in it, has a path,
 * so back/forward, reload and links all land in the same place. Framework-free: the Svelte side
 * (`sections.svelte.ts`) only projects `Router.current` into state.
 *
 *   /                        chat, no room open         /rooms/<id>          a room
 *   /boards                  the scoreboard             /boards/<id>         a board
 *   /boards/<id>/present     a board's presenter view   /lists, /lists/<id>  the lists
 *   /ops                     operations
 *   /join/<kind>/<id>#<code> an invite: opens a private room, board or list with its code
 *
 * The invite code sits in the fragment, which browsers never send to the server: it stays out of
 * access logs and proxies. Once joined, the app replaces the address with the space's own.
 */

export type SpaceKindName = 'room' | 'board' | 'list';

export type Route =
  | { view: 'chat'; spaceId: string | null; inviteCode?: string }
  | { view: 'scoreboard'; spaceId: string | null; inviteCode?: string; present?: boolean }
  | { view: 'lists'; spaceId: string | null; inviteCode?: string }
  | { view: 'ops' };

export type View = Route['view'];

const segments: Record<SpaceKindName, { view: 'chat' | 'scoreboard' | 'lists'; path: string }> = {
  room: { view: 'chat', path: 'rooms' },
  board: { view: 'scoreboard', path: 'boards' },
  list: { view: 'lists', path: 'lists' },
};
const kindOfView = { chat: 'room', scoreboard: 'board', lists: 'list' } as const;
/** Addresses of the hash-routed app before paths (`#/scoreboard`), kept working. */
const legacyHashes: Record<string, Route> = {
  '#/chat': { view: 'chat', spaceId: null },
  '#/scoreboard': { view: 'scoreboard', spaceId: null },
  '#/lists': { view: 'lists', spaceId: null },
  '#/ops': { view: 'ops' },
};
/** Ids and codes are URL-safe already (uuids, base64url); anything else is not an address of ours. */
const token = /^[A-Za-z0-9_-]{1,128}$/;

function kindAt(segment: string | undefined): SpaceKindName | undefined {
  return (Object.keys(segments) as SpaceKindName[]).find((kind) => segments[kind].path === segment);
}

function spaceRoute(kind: SpaceKindName, spaceId: string | null, inviteCode?: string): Route {
  return { view: segments[kind].view, spaceId, ...(inviteCode ? { inviteCode } : {}) };
}

/** A malformed escape (`%E0%A4%A`) is kept as it is, and then matches no id. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route of an address; an unknown one is the chat. */
export function parseRoute(pathname: string, hash = ''): Route {
  const parts = pathname.split('/').filter(Boolean).map(decoded);
  const [first, second, third] = parts;
  if (parts.length === 0) return legacyHashes[hash] ?? { view: 'chat', spaceId: null };
  if (first === 'ops' && parts.length === 1) return { view: 'ops' };
  if (first === 'join' && parts.length === 3) {
    const kind = kindAt(`${second}s`);
    const inviteCode = hash.replace(/^#/, '');
    if (kind && token.test(third ?? ''))
      return spaceRoute(kind, third!, token.test(inviteCode) ? inviteCode : undefined);
  }
  const kind = kindAt(first);
  if (!kind) return { view: 'chat', spaceId: null };
  if (parts.length === 1) return spaceRoute(kind, null);
  if (!token.test(second ?? '')) return spaceRoute(kind, null);
  if (kind === 'board' && third === 'present' && parts.length === 3) {
    return { view: 'scoreboard', spaceId: second!, present: true };
  }
  return spaceRoute(kind, second!);
}

/** The address of a route (an invite's code included). */
export function routeHref(route: Route): string {
  if (route.view === 'ops') return '/ops';
  const kind = kindOfView[route.view];
  if (!route.spaceId) return route.view === 'chat' ? '/' : `/${segments[kind].path}`;
  const id = encodeURIComponent(route.spaceId);
  if (route.inviteCode) return `/join/${kind}/${id}#${encodeURIComponent(route.inviteCode)}`;
  const present = route.view === 'scoreboard' && route.present ? '/present' : '';
  return `/${segments[kind].path}/${id}${present}`;
}

/** The view that shows a kind of space (`room` → `chat`). */
export function viewOfSpace(kind: SpaceKindName): 'chat' | 'scoreboard' | 'lists' {
  return segments[kind].view;
}

/** The shareable address of a room, board or list; with its invite code, the link that joins a private one. */
export function spaceHref(kind: SpaceKindName, spaceId: string, inviteCode?: string): string {
  return routeHref(spaceRoute(kind, spaceId, inviteCode));
}

/** What the router needs of a window: its address, its history, and word of back/forward. */
export interface RouterWindow {
  location: { pathname: string; hash: string };
  history: {
    pushState(data: unknown, unused: string, url: string): void;
    replaceState(data: unknown, unused: string, url: string): void;
  };
  addEventListener(type: 'popstate', listener: () => void): void;
}

/** The current route, following the address; `go` adds a history entry, `replace` does not. */
export class Router {
  private route: Route;
  private readonly listeners = new Set<(route: Route) => void>();

  constructor(private readonly window: RouterWindow) {
    this.route = this.read();
    window.addEventListener('popstate', () => this.set(this.read()));
  }

  get current(): Route {
    return this.route;
  }

  /** Listens to route changes; returns the unsubscribe. */
  subscribe(listener: (route: Route) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  go(route: Route): void {
    this.change(route, 'push');
  }

  replace(route: Route): void {
    this.change(route, 'replace');
  }

  private change(route: Route, how: 'push' | 'replace'): void {
    const href = routeHref(route);
    const here = this.window.location.pathname + this.window.location.hash;
    if (href !== here) {
      if (how === 'push') this.window.history.pushState(null, '', href);
      else this.window.history.replaceState(null, '', href);
    }
    this.set(route);
  }

  private read(): Route {
    return parseRoute(this.window.location.pathname, this.window.location.hash);
  }

  private set(route: Route): void {
    if (routeHref(route) === routeHref(this.route)) return;
    this.route = route;
    for (const listener of this.listeners) listener(route);
  }
}
