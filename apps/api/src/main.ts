import { leanStartUp } from './lean-start-up.js';

/**
 * `npm start`. The server itself is in ./serve.ts, loaded once start-up's settings are in place
 * (static imports would be loaded first); they end before it listens (see ./lean-start-up.ts).
 */
const loaded = leanStartUp();
const { serve } = await import('./serve.js');
await serve(loaded);
