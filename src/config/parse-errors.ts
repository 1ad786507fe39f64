/** A syntax error as a parser reports it, before it becomes a Problem. */
export interface RawSyntaxError {
  offset: number;
  length: number;
  message: string;
  /** Defaults to FTS001 (syntax error). */
  code?: string;
}
