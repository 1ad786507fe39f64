/** The protocol barrel: trainer events, control messages, command ids, webview messages, guards. */
export * from './events';
export * from './commands';
export * from './config-files';
export * from './webview';
export * from './guards';
