import { config } from 'zod';

// zod compiles object schemas with `new Function` when it may, and probes for that permission as
// each schema is built; the page's Content-Security-Policy (script-src 'self') forbids it, and the
// blocked probe is reported as a violation. Interpreted parsing is what the page gets anyway.
// Imported first by main.ts: it has to run before the contract's schemas are built.
config({ jitless: true });
