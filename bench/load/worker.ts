/**
 * A load-generator process: `node load/worker.js <kind>` loads the scenario module of that kind
 * and answers the orchestrator's requests over IPC until told to close.
 */
import { serve, type Handler } from './serve.js';

interface LoadModule {
  handlers: Record<string, Handler>;
  close(): Promise<void>;
}

const kinds = ['fanout', 'persist', 'scoreboard', 'lists', 'idle', 'join-storm', 'commands'];
const kind = process.argv[2] ?? '';
if (!kinds.includes(kind)) {
  console.error(`usage: worker.js <${kinds.join('|')}>`);
  process.exit(2);
}
const module = (await import(`./${kind}.js`)) as LoadModule;
serve(module.handlers, () => module.close());
