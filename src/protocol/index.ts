/** The protocol barrel: trainer events, control messages, command ids, webview messages, guards, the progress fold. */
export * from './events';
export * from './commands';
export * from './config-files';
export * from './webview';
export * from './guards';
export * from './progress';
export * from './parameters';
