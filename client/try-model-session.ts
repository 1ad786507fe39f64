/**
 * What a Try Model panel does with messages, without vscode: webview messages are checked with the
 * protocol's guard (the rest dropped and logged), `send` becomes a numbered generate request to the
 * generator process, and the process's events go to the webview as they come. One request at a time.
 */
import {
  isTryModelWebviewMessage,
  type GeneratorEvent,
  type GeneratorRequest,
  type TryModelHostMessage,
} from '../src/protocol/generate';

/** The generator process as the session uses it (GeneratorProcess, or a stand-in in tests). */
export interface GeneratorLink {
  send(request: GeneratorRequest): boolean;
  on(event: 'event', listener: (event: GeneratorEvent) => void): unknown;
  on(event: 'exit', listener: (message: string) => void): unknown;
}

export class TryModelSession {
  private nextId = 1;
  private inFlight?: number;
  private loaded?: GeneratorEvent;
  private closed?: string;
  private webviewReady = false;

  constructor(
    private readonly generator: GeneratorLink,
    private readonly post: (message: TryModelHostMessage) => void,
    private readonly init: { modelPath: string; title: string },
    private readonly log: (line: string) => void,
  ) {
    generator.on('event', (event) => this.onGeneratorEvent(event));
    generator.on('exit', (message) => {
      this.closed = message;
      this.inFlight = undefined;
      if (this.webviewReady) this.post({ type: 'closed', message });
    });
  }

  /** A message from the webview, unchecked. */
  onWebviewMessage(message: unknown): void {
    if (!isTryModelWebviewMessage(message)) {
      this.log(`Try Model: dropped an invalid message ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        // A reload replays what the page needs: which model, and whether it is loaded or gone.
        this.webviewReady = true;
        this.post({ type: 'init', ...this.init });
        if (this.loaded) this.post(this.loaded);
        if (this.closed !== undefined) this.post({ type: 'closed', message: this.closed });
        return;
      case 'send': {
        if (this.closed !== undefined) return this.post({ type: 'closed', message: this.closed });
        if (this.inFlight !== undefined) {
          this.log('Try Model: a message came while the model was still answering; ignored');
          return;
        }
        const id = this.nextId++;
        this.inFlight = id;
        this.generator.send({ type: 'generate', id, messages: message.messages, chat: message.chat, options: message.options });
        return;
      }
      case 'stop':
        if (this.inFlight !== undefined) this.generator.send({ type: 'stop' });
        return;
    }
  }

  private onGeneratorEvent(event: GeneratorEvent): void {
    if (event.type === 'loaded') this.loaded = event;
    if ((event.type === 'done' || event.type === 'failed') && event.id === this.inFlight) this.inFlight = undefined;
    if (this.webviewReady) this.post(event);
  }
}
