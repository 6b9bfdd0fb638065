import { describe, expect, it } from '@jest/globals';
import { parseRoute, Router, routeHref, spaceHref, type Route, type RouterWindow } from './router';

/** A window's address and history, as a browser keeps them: entries, a position, popstate on back/forward. */
class FakeWindow implements RouterWindow {
  location = { pathname: '/', hash: '' };
  private entries: string[] = ['/'];
  private position = 0;
  private popListeners: (() => void)[] = [];
  history = {
    pushState: (_data: unknown, _unused: string, url: string) => {
      this.entries = [...this.entries.slice(0, this.position + 1), url];
      this.position += 1;
      this.show(url);
    },
    replaceState: (_data: unknown, _unused: string, url: string) => {
      this.entries[this.position] = url;
      this.show(url);
    },
  };

  constructor(start = '/') {
    this.entries = [start];
    this.show(start);
  }

  addEventListener(_type: 'popstate', listener: () => void): void {
    this.popListeners.push(listener);
  }

  back(): void {
    this.traverse(-1);
  }

  forward(): void {
    this.traverse(1);
  }

  get length(): number {
    return this.entries.length;
  }

  private traverse(step: number): void {
    this.position += step;
    this.show(this.entries[this.position]!);
    for (const listener of this.popListeners) listener();
  }

  private show(url: string): void {
    const [pathname = '/', hash] = url.split('#');
    this.location = { pathname, hash: hash === undefined ? '' : `#${hash}` };
  }
}

const board = '019ae3c2-7d1c-7000-8000-000000000001';

describe('parseRoute', () => {
  it.each<[string, string, Route]>([
    ['/', '', { view: 'chat', spaceId: null }],
    ['/rooms/r1', '', { view: 'chat', spaceId: 'r1' }],
    ['/rooms', '', { view: 'chat', spaceId: null }],
    ['/boards', '', { view: 'scoreboard', spaceId: null }],
    [`/boards/${board}`, '', { view: 'scoreboard', spaceId: board }],
    [`/boards/${board}/present`, '', { view: 'scoreboard', spaceId: board, present: true }],
    ['/lists/l1/', '', { view: 'lists', spaceId: 'l1' }],
    ['/ops', '', { view: 'ops' }],
    ['/join/room/r1', '#Code_1-x', { view: 'chat', spaceId: 'r1', inviteCode: 'Code_1-x' }],
    ['/join/list/l1', '', { view: 'lists', spaceId: 'l1' }],
    ['/', '#/scoreboard', { view: 'scoreboard', spaceId: null }],
  ])('reads %s%s', (pathname, hash, route) => {
    expect(parseRoute(pathname, hash)).toEqual(route);
  });

  it.each([
    ['/nowhere', ''],
    ['/join/planet/p1', '#code'],
    ['/ops/extra', ''],
    ['/', '#/elsewhere'],
  ])('takes an unknown address %s%s for the chat', (pathname, hash) => {
    expect(parseRoute(pathname, hash)).toEqual({ view: 'chat', spaceId: null });
  });

  it('drops what is not an id or a code', () => {
    expect(parseRoute('/rooms/%E0%A4%A')).toEqual({ view: 'chat', spaceId: null });
    expect(parseRoute('/boards/a%20b')).toEqual({ view: 'scoreboard', spaceId: null });
    expect(parseRoute('/join/board/b1', '#bad code')).toEqual({ view: 'scoreboard', spaceId: 'b1' });
    expect(parseRoute('/boards/b1/elsewhere')).toEqual({ view: 'scoreboard', spaceId: 'b1' });
  });
});

describe('routeHref', () => {
  it('writes every route as parseRoute reads it back', () => {
    const routes: Route[] = [
      { view: 'chat', spaceId: null },
      { view: 'chat', spaceId: 'r1' },
      { view: 'scoreboard', spaceId: board, present: true },
      { view: 'lists', spaceId: 'l1', inviteCode: 'abc' },
      { view: 'ops' },
    ];
    for (const route of routes) {
      const [pathname = '', hash = ''] = routeHref(route).split('#');
      expect(parseRoute(pathname, hash ? `#${hash}` : '')).toEqual(route);
    }
  });

  it('makes invite links of a private space and plain ones of a public space', () => {
    expect(spaceHref('board', board, 'secret')).toBe(`/join/board/${board}#secret`);
    expect(spaceHref('room', 'r1')).toBe('/rooms/r1');
  });
});

describe(Router.name, () => {
  it('follows go, replace, back and forward', () => {
    const window = new FakeWindow('/');
    const sut = new Router(window);
    const seen: Route[] = [];
    sut.subscribe((route) => seen.push(route));

    sut.go({ view: 'scoreboard', spaceId: 'b1' });
    sut.go({ view: 'scoreboard', spaceId: 'b2' });
    sut.replace({ view: 'scoreboard', spaceId: 'b3' });
    expect(window.location.pathname).toBe('/boards/b3');
    expect(window.length).toBe(3);

    window.back();
    expect(sut.current).toEqual({ view: 'scoreboard', spaceId: 'b1' });
    window.forward();
    expect(sut.current).toEqual({ view: 'scoreboard', spaceId: 'b3' });
    expect(seen.map(routeHref)).toEqual(['/boards/b1', '/boards/b2', '/boards/b3', '/boards/b1', '/boards/b3']);
  });

  it('starts where the address is, invite included', () => {
    const sut = new Router(new FakeWindow('/join/board/b1#code'));
    expect(sut.current).toEqual({ view: 'scoreboard', spaceId: 'b1', inviteCode: 'code' });
  });

  it('adds no entry and tells nobody when the route does not change', () => {
    const window = new FakeWindow('/lists/l1');
    const sut = new Router(window);
    let told = 0;
    const stop = sut.subscribe(() => (told += 1));
    sut.go({ view: 'lists', spaceId: 'l1' });
    expect(window.length).toBe(1);
    expect(told).toBe(0);
    stop();
    sut.go({ view: 'ops' });
    expect(told).toBe(0);
  });
});
