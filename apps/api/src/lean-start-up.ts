import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * What the server's start-up leaves resident, kept small (`npm start`; see "Start-up memory" in
 * docs/architecture.md). Called before the server's modules load; the function it returns is
 * called once they have loaded and the app is built, before the server listens.
 *
 * - Nearly everything start-up allocates lives on (the modules' code and data): left to V8's
 *   defaults, promoting it grows the young generation to its largest (two 16 MB semi-spaces),
 *   resident until V8 notices the process idle, some 25 s later. So the young generation keeps
 *   its first size while the server loads (the growth factor's default is 2).
 * - Start-up runs much code once (decorators, dependency injection, schema building): V8's
 *   optimizing and baseline compilers would compile it on background threads, whose allocator
 *   keeps the memory after the compiled code is dropped. So they are off while the server loads,
 *   and the code of the serving path is compiled under traffic as before.
 * - Start-up's short-lived objects leave V8's old generation fragmented: one compacting
 *   collection at the end gives those pages back (V8's own would run after some 25 s idle).
 * - Nest's console logger (loaded with `@nestjs/common`, unused: JsonLogger replaces it) builds an
 *   `Intl.DateTimeFormat` when its module loads, which maps about 8 MB of ICU data that nothing
 *   else reads. While the server loads, a formatter is built only when first used.
 */
export function leanStartUp(): () => void {
  const DateTimeFormat = Intl.DateTimeFormat;
  Intl.DateTimeFormat = lazyDateTimeFormat(DateTimeFormat);
  // A process started with its own compiler flags (`--jitless`, `--no-opt`, …) keeps them.
  const compilers = !nodeFlags().some((flag) => /^--(no-)?(jitless|opt|turbofan|sparkplug)(=|$)/.test(flag));
  setFlagsFromString('--semi-space-growth-factor=1');
  if (compilers) setCompilers(false);
  return () => {
    setFlagsFromString('--semi-space-growth-factor=2');
    if (compilers) setCompilers(true);
    Intl.DateTimeFormat = DateTimeFormat;
    compactHeap();
  };
}

function nodeFlags(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
}

function setCompilers(on: boolean): void {
  setFlagsFromString(on ? '--turbofan' : '--no-turbofan');
  setFlagsFromString(on ? '--sparkplug' : '--no-sparkplug');
}

/** One full collection that moves every live object, so that the pages it leaves empty are released. */
function compactHeap(): void {
  let collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) {
    // The collector's function exists only in contexts created while `--expose-gc` is set.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
  }
  setFlagsFromString('--compact-on-every-full-gc');
  collect();
  setFlagsFromString('--no-compact-on-every-full-gc');
}

/** A stand-in for `Intl.DateTimeFormat` whose formatters build the real one on first use. */
function lazyDateTimeFormat(real: typeof Intl.DateTimeFormat): typeof Intl.DateTimeFormat {
  const lazy = function (...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
    let formatter: Intl.DateTimeFormat | undefined;
    return new Proxy({} as Intl.DateTimeFormat, {
      get(_, key) {
        formatter ??= new real(...args);
        const value: unknown = Reflect.get(formatter, key);
        return typeof value === 'function' ? (value.bind(formatter) as unknown) : value;
      },
    });
  };
  const supportedLocalesOf = (...args: Parameters<typeof real.supportedLocalesOf>) => real.supportedLocalesOf(...args);
  return Object.assign(lazy, { supportedLocalesOf }) as unknown as typeof Intl.DateTimeFormat;
}
