import { Namespace } from './common.js';
import { chatCommandSchemas, chatSignalSchemas } from './chat.js';
import { listsCommandSchemas } from './lists.js';
import { scoreboardCommandSchemas } from './scoreboard.js';

/** Every client → server payload schema, by namespace and event: what the server validates with. */
export const commandSchemas = {
  [Namespace.Chat]: { ...chatCommandSchemas, ...chatSignalSchemas },
  [Namespace.Lists]: { ...listsCommandSchemas },
  [Namespace.Scoreboard]: { ...scoreboardCommandSchemas },
} as const;

/** Events sent without an ack (signals): every other event is a command and asks for one. */
export const signalEvents: Readonly<Record<string, readonly string[]>> = {
  [Namespace.Chat]: Object.keys(chatSignalSchemas),
};
