import { setFlagsFromString } from 'node:v8';

/**
 * `npm start`. Nearly everything start-up allocates lives on (the modules' code and data, about
 * 30 MB of heap): left to V8's defaults, promoting it grows the young generation to its largest
 * (two 16 MB semi-spaces), which then stays resident until V8 notices the process idle, some 25 s
 * later, while a forced GC gives none of it back. So the young generation keeps its first size
 * until the server listens (the growth factor's default is 2), then grows again under traffic as
 * it would have. The server itself is in ./serve.ts, loaded after the flag is set: static imports
 * would be loaded first.
 */
setFlagsFromString('--semi-space-growth-factor=1');
await import('./serve.js');
setFlagsFromString('--semi-space-growth-factor=2');
