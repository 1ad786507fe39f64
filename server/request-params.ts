/**
 * The shape each LSP message we handle must have, checked before any handler sees it: a
 * request with `params: null` or a position of `"x"` is the client's error (-32602), not ours.
 * Only what handlers read is checked; extra fields are allowed, as the protocol evolves.
 */
type Check = (value: unknown) => boolean;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isUinteger: Check = (value) => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2 ** 31 - 1;
const isInteger: Check = (value) => typeof value === 'number' && Number.isInteger(value);
const isString: Check = (value) => typeof value === 'string';
const object =
  (fields: Record<string, Check>): Check =>
  (value) =>
    isObject(value) && Object.entries(fields).every(([key, check]) => check(value[key]));
const arrayOf =
  (check: Check): Check =>
  (value) =>
    Array.isArray(value) && value.every(check);

const position = object({ line: isUinteger, character: isUinteger });
const range = object({ start: position, end: position });
const documentId = object({ uri: isString });
const diagnostic = object({ range, message: isString });
/** A whole-text change, or a ranged one (incremental sync). */
const contentChange: Check = (value) => isObject(value) && isString(value.text) && (value.range === undefined || range(value.range));

/** What must be present in the params of each method the server handles (by name, as the protocol says). */
const SHAPES: Record<string, Record<string, Check>> = {
  initialize: { capabilities: isObject },
  'textDocument/hover': { textDocument: documentId, position },
  'textDocument/completion': { textDocument: documentId, position },
  'textDocument/codeAction': { textDocument: documentId, range, context: object({ diagnostics: arrayOf(diagnostic) }) },
  'textDocument/codeLens': { textDocument: documentId },
  'textDocument/documentSymbol': { textDocument: documentId },
  'textDocument/didOpen': { textDocument: object({ uri: isString, languageId: isString, version: isInteger, text: isString }) },
  'textDocument/didChange': { textDocument: object({ uri: isString, version: isInteger }), contentChanges: arrayOf(contentChange) },
  'textDocument/didClose': { textDocument: documentId },
  'workspace/didChangeWatchedFiles': { changes: arrayOf(object({ uri: isString, type: isInteger })) },
};

/** Why `params` is not acceptable for `method`, or undefined when it is. Methods without a shape need only object params, if any. */
export function invalidParamsReason(method: string, params: unknown): string | undefined {
  const shape = SHAPES[method];
  if (params === undefined) return shape ? `${method} needs params` : undefined;
  if (!isObject(params)) return `${method} takes its params as an object, not ${params === null ? 'null' : Array.isArray(params) ? 'an array' : typeof params}`;
  for (const [field, check] of Object.entries(shape ?? {})) {
    if (!check(params[field])) return `${method}: \`${field}\` is missing or malformed`;
  }
  return undefined;
}
