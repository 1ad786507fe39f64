/**
 * A minimal LSP client for protocol tests and the benchmark: spawns a server over stdio,
 * speaks real JSON-RPC, and lets a test await the diagnostics it expects (no sleeps).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type InitializeResult,
  type Position,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { pathToUri } from '../../server/uri';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(REPO_ROOT, 'test/fixtures/server');

/** Our server through tsx, so tests need no build step. */
export const OUR_SERVER: readonly string[] = ['--import', 'tsx', join(REPO_ROOT, 'server/server.ts'), '--stdio'];

interface Waiter {
  uri: string;
  accept: (params: PublishDiagnosticsParams) => boolean;
  resolve: (params: PublishDiagnosticsParams) => void;
}

export interface StartOptions {
  args?: readonly string[];
  rootPath: string;
  initializationOptions?: unknown;
  /** Extra environment of the server process (e.g. HF_HUB_CACHE). */
  env?: Record<string, string>;
  /** Answers `workspace/configuration` requests (yaml-language-server asks for its settings). */
  configuration?: (section: string | undefined) => unknown;
}

export class LspTestClient {
  private readonly waiters: Waiter[] = [];
  private readonly latest = new Map<string, PublishDiagnosticsParams>();
  private readonly exited: Promise<number | null>;
  private versions = new Map<string, number>();
  initializeResult?: InitializeResult;

  private constructor(
    readonly child: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.latest.set(params.uri, params);
      for (const waiter of [...this.waiters]) {
        if (waiter.uri === params.uri && waiter.accept(params)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(params);
        }
      }
    });
  }

  static async start(options: StartOptions): Promise<LspTestClient> {
    const child = spawn(process.execPath, [...(options.args ?? OUR_SERVER)], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    child.stderr?.resume(); // tsx and the server may log there; never let the pipe fill up
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout as NodeJS.ReadableStream), new StreamMessageWriter(child.stdin as NodeJS.WritableStream));
    const client = new LspTestClient(child, connection);
    connection.onRequest(RegistrationRequest.type, () => undefined);
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
      params.items.map((item) => options.configuration?.(item.section) ?? null),
    );
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', () => null);
    connection.onNotification('window/logMessage', () => undefined);
    connection.onNotification('telemetry/event', () => undefined);
    connection.listen();
    const rootUri = pathToUri(options.rootPath);
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'ws' }],
      capabilities: {
        workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
        textDocument: {
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: { versionSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
        },
      },
      initializationOptions: options.initializationOptions,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** Resolves with the first diagnostics for `uri` that pass `accept` (already received ones count). */
  diagnostics(uri: string, accept: (params: PublishDiagnosticsParams) => boolean = () => true): Promise<PublishDiagnosticsParams> {
    const seen = this.latest.get(uri);
    if (seen && accept(seen)) return Promise.resolve(seen);
    return new Promise((resolveWaiter) => this.waiters.push({ uri, accept, resolve: resolveWaiter }));
  }

  /** The next diagnostics published for `uri`, ignoring any already received. */
  nextDiagnostics(uri: string): Promise<PublishDiagnosticsParams> {
    return new Promise((resolveWaiter) => this.waiters.push({ uri, accept: () => true, resolve: resolveWaiter }));
  }

  /** Diagnostics for exactly this version of the document. */
  diagnosticsForVersion(uri: string, version: number): Promise<PublishDiagnosticsParams> {
    return this.diagnostics(uri, (p) => p.version === version);
  }

  async open(uri: string, languageId: string, text: string): Promise<number> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return 1;
  }

  /** Replaces the whole text; returns the new version. */
  /** Sends a notification the helpers above do not cover (e.g. workspace/didChangeConfiguration). */
  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  async change(uri: string, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    return version;
  }

  completion(uri: string, position: Position) {
    return this.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
  }

  hover(uri: string, position: Position) {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  async codeActions(uri: string, diagnostic: Diagnostic): Promise<CodeAction[]> {
    const result = await this.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], only: ['quickfix'] },
    });
    return (result ?? []).filter((a): a is CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
  }

  codeLenses(uri: string) {
    return this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  }

  symbols(uri: string) {
    return this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
  }

  /** shutdown + exit; resolves with the process exit code. */
  async stop(): Promise<number | null> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }

  kill(): void {
    this.child.kill();
    this.connection.dispose();
  }
}

/** Copies the server fixtures to a fresh temp folder; `*.ts.txt` files become real `.ts` modules there. */
export function copyFixtures(): string {
  const root = mkdtempSync(join(tmpdir(), 'fts-lsp-'));
  cpSync(FIXTURES, root, { recursive: true });
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (name.endsWith('.ts.txt')) renameSync(path, path.slice(0, -'.txt'.length));
    }
  };
  visit(root);
  return root;
}

/** A completion answer's items, whether the server sent a list or a bare array. */
export function itemsOf(result: CompletionItem[] | { items: CompletionItem[] } | null): CompletionItem[] {
  return result === null ? [] : Array.isArray(result) ? result : result.items;
}
