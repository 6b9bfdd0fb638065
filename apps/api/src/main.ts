import { setFlagsFromString } from 'node:v8';

/**
 * `npm start`. Nearly everything start-up allocates lives on (the modules' code and data, about
 * 30 MB of heap): left to V8's defaults, promoting it grows the young generation to its largest
 * (two 16 MB semi-spaces), which then stays resident until V8 notices the process idle, some 25 s
 * later, while a forced GC gives none of it back. So the young generation keeps its first size
 * until the server listens (the growth factor's default is 2), then grows again under traffic as
 * it would have. The server itself is in ./serve.ts, loaded after the flag is set: static imports
 * would be loaded first.
 *
 * Nest's console logger (loaded with `@nestjs/common`, unused: JsonLogger replaces it) builds an
 * `Intl.DateTimeFormat` when its module loads, which maps about 8 MB of ICU data that nothing else
 * reads. While the server loads, a formatter is built only when first used.
 */
const DateTimeFormat = Intl.DateTimeFormat;
Intl.DateTimeFormat = lazyDateTimeFormat(DateTimeFormat);
setFlagsFromString('--semi-space-growth-factor=1');
await import('./serve.js');
setFlagsFromString('--semi-space-growth-factor=2');
Intl.DateTimeFormat = DateTimeFormat;

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
