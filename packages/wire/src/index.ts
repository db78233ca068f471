// @veil/wire: the TypeBox schemas of every HTTP body and WebSocket frame, shared by relay and client.
export * from './health';
export * from './usernames';
export * from './username-schemas';
export * from './auth';
export * from './account';
export * from './bytes';
export * from './keys';
export * from './mailbox';
export * from './socket-limits';
export * from './socket';
export * from './blobs';
export * from './errors';
export * from './link';
