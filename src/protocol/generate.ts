/**
 * Trying a model: the messages between the generator process (`finetune-studio generate --ipc`),
 * the extension host, and the Try Model chat webview, declared once with their guards.
 *
 *   webview  ──send/stop/reset──>  host  ──generate/stop──>  generator process
 *   webview  <──init + generator events──  host  <──loaded/token/done/failed──  generator process
 *
 * The host checks every message from either side here and drops the rest. No Node or vscode imports.
 */
import { isArrayOf, isBoolean, isNumber, isOneOf, isOptional, isRecord, isString, type Fields } from './guards';

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];
export const isChatRole = isOneOf(CHAT_ROLES);

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export function isChatMessage(x: unknown): x is ChatMessage {
  return isRecord(x) && isChatRole(x.role) && isString(x.content);
}

/** Per-request decoding options, with `GenerationConfig` names; unset ones come from the model. */
export interface DecodingOptions {
  max_new_tokens?: number;
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  seed?: number;
}

/** Bounds the generator accepts, so the webview cannot ask for a million tokens. */
export const MAX_NEW_TOKENS_LIMIT = 4096;
/** A prompt or conversation longer than this (characters) is refused before tokenizing. */
export const MAX_PROMPT_CHARS = 100_000;

function isIntIn(x: unknown, min: number, max: number): x is number {
  return isNumber(x) && Number.isInteger(x) && x >= min && x <= max;
}

export function isDecodingOptions(x: unknown): x is DecodingOptions {
  return (
    isRecord(x) &&
    isOptional(x.max_new_tokens, (v): v is number => isIntIn(v, 1, MAX_NEW_TOKENS_LIMIT)) &&
    isOptional(x.do_sample, isBoolean) &&
    isOptional(x.temperature, (v): v is number => isNumber(v) && v > 0 && v <= 100) &&
    isOptional(x.top_k, (v): v is number => isIntIn(v, 0, 1_000_000)) &&
    isOptional(x.top_p, (v): v is number => isNumber(v) && v > 0 && v <= 1) &&
    isOptional(x.seed, (v): v is number => isIntIn(v, 0, 2 ** 32 - 1))
  );
}

// ---- host → generator process ----

/**
 * Complete a conversation. `chat`: render `messages` with the chat template and a generation
 * prompt; otherwise the last message's content is the raw text to continue.
 */
export interface GenerateRequest {
  type: 'generate';
  id: number;
  messages: ChatMessage[];
  chat: boolean;
  options: DecodingOptions;
}
/** End the current generation after the token being computed. */
export interface StopGenerationRequest {
  type: 'stop';
}
export type GeneratorRequest = GenerateRequest | StopGenerationRequest;

function totalChars(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + m.content.length, 0);
}

export function isGeneratorRequest(x: unknown): x is GeneratorRequest {
  if (!isRecord(x)) return false;
  if (x.type === 'stop') return true;
  return (
    x.type === 'generate' &&
    isIntIn(x.id, 0, Number.MAX_SAFE_INTEGER) &&
    isArrayOf(x.messages, isChatMessage) &&
    x.messages.length > 0 &&
    totalChars(x.messages) <= MAX_PROMPT_CHARS &&
    isBoolean(x.chat) &&
    isDecodingOptions(x.options)
  );
}

// ---- generator process → host (and on to the webview) ----

export interface GeneratorLoaded {
  type: 'loaded';
  /** The folder the weights came from (a checkpoint, or a model folder). */
  modelPath: string;
  modelType: string;
  /** Whether the tokenizer has a chat template (else only plain completion is offered). */
  chatTemplate: boolean;
  backend: string;
  /** The model's defaults, after generation_config.json. */
  defaults: Required<Omit<DecodingOptions, 'seed'>>;
}
export interface GeneratorToken {
  type: 'token';
  id: number;
  /** Text that became final with this token (may be empty while a character is incomplete). */
  text: string;
}
export interface GeneratorDone {
  type: 'done';
  id: number;
  finish: 'eos' | 'length' | 'stopped';
  /** The whole completion, decoded without special tokens. */
  text: string;
  tokens: number;
  seconds: number;
}
export interface GeneratorFailed {
  type: 'failed';
  /** The request that failed; absent when loading the model failed. */
  id?: number;
  message: string;
}
export type GeneratorEvent = GeneratorLoaded | GeneratorToken | GeneratorDone | GeneratorFailed;

const isFinish = isOneOf(['eos', 'length', 'stopped'] as const);

const generatorCheckers = {
  loaded: (x: Fields) =>
    isString(x.modelPath) &&
    isString(x.modelType) &&
    isBoolean(x.chatTemplate) &&
    isString(x.backend) &&
    isRecord(x.defaults) &&
    isDecodingOptions(x.defaults),
  token: (x: Fields) => isNumber(x.id) && isString(x.text),
  done: (x: Fields) => isNumber(x.id) && isFinish(x.finish) && isString(x.text) && isNumber(x.tokens) && isNumber(x.seconds),
  failed: (x: Fields) => isOptional(x.id, isNumber) && isString(x.message),
} satisfies { [K in GeneratorEvent['type']]: (x: Fields) => boolean };

export function isGeneratorEvent(x: unknown): x is GeneratorEvent {
  return isRecord(x) && isString(x.type) && Object.hasOwn(generatorCheckers, x.type) && generatorCheckers[x.type as GeneratorEvent['type']](x);
}

// ---- host → Try Model webview ----

/** First message after the webview's `ready`: which model the panel talks to. */
export interface TryModelInit {
  type: 'init';
  modelPath: string;
  title: string;
}
/** The generator process ended (crash or exit); the panel offers nothing until it is reopened. */
export interface TryModelClosed {
  type: 'closed';
  message: string;
}
export type TryModelHostMessage = TryModelInit | TryModelClosed | GeneratorEvent;

export function isTryModelHostMessage(x: unknown): x is TryModelHostMessage {
  if (!isRecord(x)) return false;
  if (x.type === 'init') return isString(x.modelPath) && isString(x.title);
  if (x.type === 'closed') return isString(x.message);
  return isGeneratorEvent(x);
}

// ---- Try Model webview → host ----

export interface TryModelReady {
  type: 'ready';
}
/** The conversation so far, ending with the user's new message; the host assigns the request id. */
export interface TryModelSend {
  type: 'send';
  messages: ChatMessage[];
  chat: boolean;
  options: DecodingOptions;
}
export interface TryModelStop {
  type: 'stop';
}
export type TryModelWebviewMessage = TryModelReady | TryModelSend | TryModelStop;

export function isTryModelWebviewMessage(x: unknown): x is TryModelWebviewMessage {
  if (!isRecord(x)) return false;
  if (x.type === 'ready' || x.type === 'stop') return true;
  return (
    x.type === 'send' &&
    isArrayOf(x.messages, isChatMessage) &&
    x.messages.length > 0 &&
    x.messages[x.messages.length - 1].role === 'user' &&
    totalChars(x.messages) <= MAX_PROMPT_CHARS &&
    isBoolean(x.chat) &&
    isDecodingOptions(x.options)
  );
}
