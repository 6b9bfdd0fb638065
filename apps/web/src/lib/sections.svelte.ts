import { untrack } from 'svelte';
import { Router, viewOfSpace, type Route, type SpaceKindName, type View } from './router.js';

/** The app's top-level views, reached by tabs; each has its address (see `router.ts`). */
export const sections = [
  { id: 'chat', label: 'Chat' },
  { id: 'scoreboard', label: 'Scoreboard' },
  { id: 'lists', label: 'Lists' },
  /** Operators only (see `opsAccess`). */
  { id: 'ops', label: 'Operations' },
] as const satisfies readonly { id: View; label: string }[];
export type Section = (typeof sections)[number]['id'];

/** Which view is shown, and what is open in it: the router's route as Svelte state. */
export class Navigation {
  private readonly router = new Router(window);
  route = $state.raw<Route>(this.router.current);
  /** The last address of each view, so that its tab goes back to what was open there. */
  private readonly lastOf = $state<Partial<Record<Section, Route>>>({});

  constructor() {
    this.lastOf[this.route.view] = this.route;
    this.router.subscribe((route) => {
      this.route = route;
      this.lastOf[route.view] = route;
    });
  }

  get current(): Section {
    return this.route.view;
  }

  /** The tab's address: the view as it was last left. */
  tabRoute(section: Section): Route {
    const last = this.lastOf[section];
    if (last && last.view !== 'ops') return { ...last, inviteCode: undefined };
    return section === 'ops' ? { view: 'ops' } : { view: section, spaceId: null };
  }

  /** A new history entry. */
  go(route: Route): void {
    this.router.go(route);
  }

  /** The same history entry, corrected (what is open changed by itself, or an invite was used). */
  replace(route: Route): void {
    this.router.replace(route);
  }
}

export const navigation = new Navigation();

/** What a view shows open (a room, board or list), as `followRoute` needs it (see `SpaceBinding`). */
export interface OpenSpace {
  readonly kind: SpaceKindName;
  readonly currentId: string | null;
  readonly online: boolean;
  open(spaceId: string, inviteCode?: string): Promise<boolean>;
}

/**
 * Keeps the address and the open room, board or list in step, in a component's lifetime: a new
 * address opens what it names (an invite link joins with its code, then shows the plain address);
 * what opens or closes by itself (created, deleted, or restored after a reload at an address that
 * names no space) corrects the address in place, and picking another one adds a history entry.
 */
export function followRoute(openSpace: () => OpenSpace): void {
  $effect(() => {
    const space = openSpace();
    const route = navigation.route;
    if (route.view !== viewOfSpace(space.kind) || !route.spaceId || !space.online) return;
    const { spaceId, inviteCode } = route;
    if (!inviteCode && untrack(() => space.currentId) === spaceId) return;
    void untrack(() => space.open(spaceId, inviteCode)).then((joined) => {
      if (joined && inviteCode) navigation.replace({ ...route, inviteCode: undefined });
    });
  });

  let previous: string | null | undefined;
  let connected = false;
  $effect(() => {
    const space = openSpace();
    const id = space.currentId;
    const before = previous;
    previous = id;
    if (space.online) connected = true;
    const route = untrack(() => navigation.route);
    if (id === before || route.view !== viewOfSpace(space.kind) || route.inviteCode || route.spaceId === id) return;
    // What a reload restores from the last visit (kept a second late at most) does not overrule the
    // address: the space it names opens once connected.
    if (!connected && route.spaceId) return;
    if (before === undefined && id === null) return;
    const next: Route = { ...route, spaceId: id, ...(id ? {} : { present: undefined }) };
    if (before && id) navigation.go(next);
    else navigation.replace(next);
  });
}
