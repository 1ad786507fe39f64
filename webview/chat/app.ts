/**
 * The Try Model chat panel: a conversation with one checkpoint. Every host message is checked
 * with the protocol's guard; the webview only posts `ready`, `send` and `stop`. Generation runs
 * in the generator process; tokens stream in as `token` messages and `done` settles the answer.
 */
import {
  isTryModelHostMessage,
  type ChatMessage,
  type DecodingOptions,
  type GeneratorLoaded,
  type TryModelHostMessage,
  type TryModelWebviewMessage,
} from '../../src/protocol/generate';
import { h, replaceChildren, setText } from '../dom';

export interface ChatHost {
  post(message: TryModelWebviewMessage): void;
}

type Status = 'loading' | 'ready' | 'generating' | 'closed';

interface Turn {
  role: 'user' | 'assistant';
  content: string;
  /** Assistant turns: how it ended, once it has. */
  note?: string;
  error?: boolean;
}

export class ChatApp {
  private status: Status = 'loading';
  private loaded?: GeneratorLoaded;
  private readonly turns: Turn[] = [];
  private streaming?: { id?: number; turn: Turn };

  private readonly title = h('h1', { id: 'chat-title' }, 'Try Model');
  private readonly statusLine = h('span', { id: 'chat-status', class: 'chat-status' }, 'Loading the model…');
  private readonly log = h('ol', { id: 'chat-log', class: 'chat-log', 'aria-live': 'polite' });
  private readonly input = h('textarea', { id: 'chat-input', rows: 3, placeholder: 'Message the model (Enter sends, Shift+Enter is a new line)', disabled: true });
  private readonly sendButton = h('button', { id: 'chat-send', type: 'button', disabled: true }, 'Send');
  private readonly stopButton = h('button', { id: 'chat-stop', type: 'button', class: 'secondary', disabled: true }, 'Stop');
  private readonly resetButton = h('button', { id: 'chat-reset', type: 'button', class: 'secondary' }, 'New chat');
  private readonly chatBox = h('input', { id: 'opt-chat', type: 'checkbox', checked: true });
  private readonly maxTokens = h('input', { id: 'opt-max-new-tokens', type: 'number', min: 1, max: 4096, value: 64 });
  private readonly sample = h('input', { id: 'opt-do-sample', type: 'checkbox' });
  private readonly temperature = h('input', { id: 'opt-temperature', type: 'number', min: 0.05, max: 5, step: 0.05, value: 1 });

  constructor(
    root: HTMLElement,
    private readonly host: ChatHost,
  ) {
    this.sendButton.addEventListener('click', () => this.send());
    this.stopButton.addEventListener('click', () => this.host.post({ type: 'stop' }));
    this.resetButton.addEventListener('click', () => this.reset());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        this.send();
      }
    });
    const label = (control: HTMLElement, text: string) => h('label', {}, control, ` ${text}`);
    root.replaceChildren(
      h(
        'div',
        { class: 'chat' },
        h('header', { class: 'chat-header' }, this.title, this.statusLine),
        this.log,
        h(
          'div',
          { class: 'chat-options' },
          label(this.chatBox, 'chat template'),
          label(this.maxTokens, 'max new tokens'),
          label(this.sample, 'sample'),
          label(this.temperature, 'temperature'),
        ),
        h('div', { class: 'chat-composer' }, this.input, h('div', { class: 'chat-buttons' }, this.sendButton, this.stopButton, this.resetButton)),
      ),
    );
    root.removeAttribute('aria-busy');
    this.render();
  }

  receive(data: unknown): void {
    if (!isTryModelHostMessage(data)) {
      console.warn('Fine-Tune Studio chat: ignored an unknown message', data);
      return;
    }
    this.apply(data);
    this.render();
  }

  private apply(m: TryModelHostMessage): void {
    switch (m.type) {
      case 'init':
        setText(this.title, m.title);
        this.title.title = m.modelPath;
        return;
      case 'loaded':
        this.loaded = m;
        this.status = 'ready';
        this.chatBox.checked = m.chatTemplate;
        this.chatBox.disabled = !m.chatTemplate;
        this.maxTokens.value = String(Math.min(m.defaults.max_new_tokens, 4096));
        this.sample.checked = m.defaults.do_sample;
        this.temperature.value = String(m.defaults.temperature);
        return;
      case 'token':
        if (this.streaming && (this.streaming.id === undefined || this.streaming.id === m.id)) {
          this.streaming.id = m.id;
          this.streaming.turn.content += m.text;
        }
        return;
      case 'done':
        if (this.streaming && (this.streaming.id === undefined || this.streaming.id === m.id)) {
          const why = m.finish === 'eos' ? 'end of sequence' : m.finish === 'length' ? 'max new tokens' : 'stopped';
          this.streaming.turn.content = m.text;
          this.streaming.turn.note = `${m.tokens} tokens · ${m.seconds.toFixed(1)} s · ${why}`;
          this.streaming = undefined;
          this.status = 'ready';
        }
        return;
      case 'failed':
        if (this.streaming) {
          this.streaming.turn.content = m.message;
          this.streaming.turn.error = true;
          this.streaming = undefined;
          this.status = 'ready';
        } else {
          this.turns.push({ role: 'assistant', content: m.message, error: true });
          if (m.id === undefined) this.status = 'closed';
        }
        return;
      case 'closed':
        this.status = 'closed';
        this.streaming = undefined;
        this.turns.push({ role: 'assistant', content: m.message, error: true });
        return;
    }
  }

  private options(): DecodingOptions {
    const options: DecodingOptions = {};
    const max = Number(this.maxTokens.value);
    if (Number.isInteger(max) && max >= 1 && max <= 4096) options.max_new_tokens = max;
    options.do_sample = this.sample.checked;
    const t = Number(this.temperature.value);
    if (this.sample.checked && Number.isFinite(t) && t > 0 && t <= 100) options.temperature = t;
    return options;
  }

  private send(): void {
    const text = this.input.value.trim();
    if (text === '' || this.status !== 'ready') return;
    const chat = this.chatBox.checked && this.loaded?.chatTemplate === true;
    this.turns.push({ role: 'user', content: text });
    // Without a chat template each message is a fresh text to continue; with one, the whole conversation.
    const messages: ChatMessage[] = chat
      ? this.turns.filter((t) => !t.error).map((t) => ({ role: t.role, content: t.content }))
      : [{ role: 'user', content: text }];
    const turn: Turn = { role: 'assistant', content: '' };
    this.turns.push(turn);
    this.streaming = { turn };
    this.status = 'generating';
    this.input.value = '';
    this.host.post({ type: 'send', messages, chat, options: this.options() });
    this.render();
  }

  private reset(): void {
    if (this.status === 'generating') return;
    this.turns.length = 0;
    this.render();
  }

  private render(): void {
    const ready = this.status === 'ready';
    this.input.disabled = !ready;
    this.sendButton.disabled = !ready;
    this.stopButton.disabled = this.status !== 'generating';
    this.resetButton.disabled = this.status === 'generating';
    const l = this.loaded;
    setText(
      this.statusLine,
      this.status === 'loading'
        ? 'Loading the model…'
        : this.status === 'closed'
          ? 'Closed'
          : `${this.status === 'generating' ? 'Generating…' : 'Ready'} · ${l?.modelType ?? ''} on ${l?.backend ?? ''}${l && !l.chatTemplate ? ' · no chat template: plain completion' : ''}`,
    );
    this.statusLine.dataset.status = this.status;
    replaceChildren(
      this.log,
      ...this.turns.map((t) =>
        h(
          'li',
          { class: `turn ${t.role}${t.error ? ' error' : ''}${this.streaming?.turn === t ? ' streaming' : ''}` },
          h('div', { class: 'role' }, t.role === 'user' ? 'You' : 'Model'),
          h('div', { class: 'content' }, t.content),
          t.note ? h('div', { class: 'note' }, t.note) : null,
        ),
      ),
    );
    this.log.lastElementChild?.scrollIntoView({ block: 'end' });
  }
}
