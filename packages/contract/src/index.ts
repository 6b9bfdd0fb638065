export * from './ack.js';
export * from './common.js';
export * from './rooms.js';
export * from './auth.js';
export * from './chat.js';
export * from './validate.js';
export * from './namespaces.js';
