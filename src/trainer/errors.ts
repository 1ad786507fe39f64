/**
 * Errors the Trainer raises on purpose: the message says what went wrong and what to do.
 * `location` points at the user's file when the cause is there (a config key, a data row,
 * a line in a custom trainer).
 */
import type { SourceLocation } from '../protocol/events';

export class TrainerError extends Error {
  constructor(
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(message);
    this.name = 'TrainerError';
  }
}
