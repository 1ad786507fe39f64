/**
 * The public `finetune-studio` module: what custom trainer modules import.
 * Filled in by the Trainer core.
 */
export * from './config/schema';
export type * from './protocol/events';
