/**
 * A raw JSON-RPC peer for protocol tests: it spawns the server over stdio and writes exactly
 * the messages a test gives (params null, requests before initialize, garbage), matching
 * answers by id. Requests the server sends (registerCapability, configuration) get `null`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { OUR_SERVER, REPO_ROOT } from './lsp-client';

export interface RpcError {
  code: number;
  message: string;
}

export interface RpcResponse {
  id: number | string | null;
  result?: unknown;
  error?: RpcError;
}

export interface RpcNotification {
  method: string;
  params?: unknown;
}

export class RawPeer {
  readonly notifications: RpcNotification[] = [];
  readonly stderr: string[] = [];
  /** Resolves with the exit code (or the signal's name) when the server process ends. */
  readonly exited: Promise<number | string | null>;
  private readonly pending = new Map<number | string, (response: RpcResponse) => void>();
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private exitedWith: number | string | null | undefined;

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.exitedWith = code ?? signal;
        for (const resolve of this.pending.values()) resolve({ id: null, error: { code: 0, message: `server exited (${String(code ?? signal)})` } });
        this.pending.clear();
        done(code ?? signal);
      }),
    );
    child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString('utf8')));
  }

  static start(args: readonly string[] = OUR_SERVER): RawPeer {
    return new RawPeer(spawn(process.execPath, [...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.exitedWith === undefined;
  }

  /** Writes one framed message, as given. */
  send(message: object): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    this.child.stdin?.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  /** Sends a request (params exactly as given: `null` stays `null`, `undefined` leaves them out) and resolves with the response. */
  request(method: string, params?: unknown): Promise<RpcResponse> {
    const id = this.nextId++;
    const answered = new Promise<RpcResponse>((resolve) => this.pending.set(id, resolve));
    this.send(params === undefined ? { id, method } : { id, method, params });
    return answered;
  }

  notify(method: string, params?: unknown): void {
    this.send(params === undefined ? { method } : { method, params });
  }

  /** `window/logMessage` texts of the given type (1 error, 2 warning, 3 info, 4 log). */
  logs(type: number): string[] {
    return this.notifications.filter((n) => n.method === 'window/logMessage' && (n.params as { type: number }).type === type).map((n) => (n.params as { message: string }).message);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
      if (!Number.isFinite(length)) throw new Error(`bad frame header from the server: ${this.buffer.subarray(0, headerEnd).toString('ascii')}`);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8')) as Record<string, unknown>;
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(message);
    }
  }

  private dispatch(message: Record<string, unknown>): void {
    const id = message.id as number | string | undefined;
    if (typeof message.method === 'string') {
      if (id !== undefined) this.send({ id, result: null }); // a request from the server
      else this.notifications.push({ method: message.method, params: message.params });
      return;
    }
    if (id === undefined) return;
    const resolve = this.pending.get(id);
    this.pending.delete(id);
    resolve?.(message as unknown as RpcResponse);
  }
}

/** The initialize params a minimal client sends; `capabilities` replaces the (empty) capabilities. */
export function initializeParams(rootUri: string | null, capabilities: object = {}): object {
  return { processId: process.pid, rootUri, capabilities, initializationOptions: { diagnosticsDelayMs: 10 } };
}
