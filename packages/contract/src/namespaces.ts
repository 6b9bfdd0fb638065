import { Namespace } from './common.js';
import { chatCommandSchemas, chatSignalSchemas } from './chat.js';

/** Every client → server payload schema, by namespace and event: what the server validates with. */
export const commandSchemas = {
  [Namespace.Chat]: { ...chatCommandSchemas, ...chatSignalSchemas },
} as const;
