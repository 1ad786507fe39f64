/**
 * The language client's life: start, health (starting / ready / crashed), restart, and a stop
 * that also covers a client disposed while it is still starting (it is stopped once the start
 * settles instead of being left running). No vscode import: the client is anything with start
 * and stop, so the sequencing is unit-tested with a fake.
 */
export type ServerHealth = 'starting' | 'ready' | 'crashed' | 'stopped';

/** Text and tooltip of the language server item for each health state. */
export function serverHealthText(health: ServerHealth, detail?: string): { text: string; tooltip: string } {
  switch (health) {
    case 'starting':
      return { text: '$(loading~spin) Fine-Tune', tooltip: 'The Fine-Tune Studio language server is starting.' };
    case 'ready':
      return { text: '$(check) Fine-Tune', tooltip: 'The Fine-Tune Studio language server is running.' };
    case 'crashed':
      return { text: '$(error) Fine-Tune', tooltip: `The Fine-Tune Studio language server crashed${detail ? `: ${detail}` : ''}. Click to restart it.` };
    case 'stopped':
      return { text: '$(circle-slash) Fine-Tune', tooltip: 'The Fine-Tune Studio language server is stopped. Click to start it.' };
  }
}

export interface StartableClient {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type HealthListener = (health: ServerHealth, detail?: string) => void;

export class LanguageServerSession<C extends StartableClient> {
  private client?: C;
  private starting?: Promise<C>;
  private disposed = false;
  private healthNow: ServerHealth = 'stopped';
  private readonly listeners = new Set<HealthListener>();

  constructor(private readonly create: () => C) {}

  get health(): ServerHealth {
    return this.healthNow;
  }

  get current(): C | undefined {
    return this.client;
  }

  onHealth(listener: HealthListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Starts a client (once; a second call while starting gets the same promise). */
  start(): Promise<C> {
    if (this.disposed) return Promise.reject(new Error('The language server session is disposed.'));
    this.starting ??= this.startNew().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Stops the client (waiting for a start in progress) and starts a fresh one. */
  async restart(): Promise<C> {
    await this.stopClient();
    return this.start();
  }

  /**
   * The client stopped without being asked to (the server crashed past the client's own
   * restarts). Shown as crashed until a restart.
   */
  markCrashed(detail: string): void {
    if (this.disposed || this.healthNow === 'stopped') return;
    this.setHealth('crashed', detail);
  }

  /** Marks the client running again (the client restarted the server by itself). */
  markReady(): void {
    if (!this.disposed && this.client) this.setHealth('ready');
  }

  /** Stops the client, also one that is still starting; later starts are refused. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stopClient();
    this.listeners.clear();
  }

  private async startNew(): Promise<C> {
    const client = this.create();
    this.setHealth('starting');
    try {
      await client.start();
    } catch (error) {
      this.setHealth('crashed', error instanceof Error ? error.message : String(error));
      // A client that failed to start may still hold a server process.
      await client.stop().catch(() => undefined);
      throw error;
    }
    if (this.disposed) {
      // Disposed while starting: stop what just started rather than leave it running.
      await client.stop().catch(() => undefined);
      throw new Error('The language server session was disposed while the client started.');
    }
    this.client = client;
    this.setHealth('ready');
    return client;
  }

  private async stopClient(): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.setHealth('stopped');
    if (client) await client.stop().catch(() => undefined);
  }

  private setHealth(health: ServerHealth, detail?: string): void {
    if (health === this.healthNow && detail === undefined) return;
    this.healthNow = health;
    for (const listener of [...this.listeners]) listener(health, detail);
  }
}
