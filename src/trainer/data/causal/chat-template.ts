/**
 * A chat template (Jinja) rendered through @huggingface/jinja as transformers' apply_chat_template
 * renders it (trim_blocks, lstrip_blocks, the tokenizer's named special tokens as variables).
 *
 * `{% generation %}…{% endgeneration %}` (transformers' marker for the assistant's tokens) is kept
 * as two private-use characters while rendering, so the rendered text says where each marked span
 * starts and ends; @huggingface/jinja itself drops the markers.
 */
import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

export interface Rendered {
  text: string;
  /** Character spans [start, end) inside `{% generation %}` markers, in order. */
  spans: Array<[number, number]>;
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKER = /\{%(-?)\s*(end)?generation\s*(-?)%\}/g;

export class ChatTemplateError extends Error {
  override readonly name = 'ChatTemplateError';
}

export class ChatTemplate {
  private readonly template: Template;
  readonly hasGenerationMarkers: boolean;

  constructor(
    source: string,
    /** Where the template came from (a file, or the config key), for messages. */
    readonly origin: string,
    private readonly specialTokens: Readonly<Record<string, string>>,
  ) {
    this.hasGenerationMarkers = new RegExp(MARKER.source).test(source);
    try {
      this.template = new Template(this.hasGenerationMarkers ? markersAsText(source) : source);
    } catch (error) {
      throw new ChatTemplateError(`${origin}: the chat template does not parse: ${(error as Error).message}`);
    }
  }

  /** Renders `messages`; a template that raises (raise_exception, an undefined method) throws a ChatTemplateError. */
  render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): Rendered {
    let raw: string;
    try {
      raw = this.template.render({ ...this.specialTokens, messages, add_generation_prompt: addGenerationPrompt });
    } catch (error) {
      throw new ChatTemplateError(`the chat template (${this.origin}) raised: ${(error as Error).message}`);
    }
    return this.hasGenerationMarkers ? takeSpans(raw) : { text: raw, spans: [] };
  }
}

/**
 * Each marker becomes an expression printing a private-use character, with the marker's own whitespace
 * control; lstrip_blocks and trim_blocks apply to block tags only, so they are applied to the markers here.
 */
function markersAsText(source: string): string {
  const tag = MARKER.source;
  return source
    .replace(new RegExp(`^[ \\t]*(?=${tag})`, 'gm'), '')
    .replace(new RegExp(`(${tag})\\n`, 'g'), '$1')
    .replace(MARKER, (_, left: string, end: string | undefined, right: string) => `{{${left} "${end ? CLOSE : OPEN}" ${right}}}`);
}

function takeSpans(raw: string): Rendered {
  const spans: Array<[number, number]> = [];
  let text = '';
  let open = -1;
  for (const ch of raw) {
    if (ch === OPEN) open = text.length;
    else if (ch === CLOSE) {
      if (open >= 0) spans.push([open, text.length]);
      open = -1;
    } else text += ch;
  }
  return { text, spans };
}

/** Whether a message's text holds the characters that mark spans while rendering. */
export function hasMarkerCharacters(text: string): boolean {
  return text.includes(OPEN) || text.includes(CLOSE);
}
