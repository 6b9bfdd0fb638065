/** What only Node has: the outbox kept in a file. */
export { FileOutboxStorage } from './storage/file-storage.js';
