/**
 * The Fine-Tune Studio language server: connection wiring only. Every feature lives in a
 * service (server/services) reached through LanguageService; this file maps LSP requests and
 * document events onto it. Runs over --stdio, --node-ipc or --socket (createConnection reads argv).
 */
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticsScheduler } from './diagnostics-scheduler';
import { isConfigFileName, type DocumentKind } from './document-kinds';
import { CONFIG_GLOB } from '../src/protocol/config-files';
import { overlayOpenDocuments } from './files';
import { LanguageService } from './language-service';
import { LifecycleGate, REJECTED_METHOD, isRejection } from './lifecycle-gate';
import { createNodeFileAccess } from '../src/cli/file-access';
import { uriToPath } from './uri';

const DEFAULT_DIAGNOSTICS_DELAY_MS = 200;

/** Options a client may pass in `initializationOptions`. */
interface InitializationOptions {
  diagnosticsDelayMs?: number;
}

function readOptions(params: InitializeParams): InitializationOptions {
  const raw: unknown = params.initializationOptions;
  if (typeof raw !== 'object' || raw === null) return {};
  const delay = (raw as Record<string, unknown>).diagnosticsDelayMs;
  return typeof delay === 'number' && Number.isFinite(delay) && delay >= 0 ? { diagnosticsDelayMs: delay } : {};
}

function workspaceRoots(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.map(uriToPath).filter((p): p is string => p !== undefined);
}

export function startServer(connection: Connection): void {
  // Requests the lifecycle gate refused arrive under this method, carrying their error.
  connection.onRequest(REJECTED_METHOD, (rejection: unknown) => {
    throw isRejection(rejection) ? new ResponseError(rejection.code, rejection.message) : new ResponseError(ErrorCodes.InternalError, 'rejected request without a reason');
  });
  const documents = new TextDocuments(TextDocument);
  const openPaths = new Map<string, string>(); // file path -> uri of open documents
  let roots: string[] = [];
  let delayMs = DEFAULT_DIAGNOSTICS_DELAY_MS;
  let canRefreshLenses = false;

  const files = overlayOpenDocuments(createNodeFileAccess(), {
    textOf: (path) => {
      const uri = openPaths.get(path);
      return uri ? documents.get(uri)?.getText() : undefined;
    },
  });
  const service = new LanguageService({
    files,
    roots: () => roots,
    openConfigs: () => [...openPaths.keys()].filter(isConfigFileName),
    log: { error: (message) => connection.console.error(message) },
  });

  /** Runs a handler; an exception is logged and answered with the fallback, never thrown at the connection. */
  function guard<T>(what: string, fallback: T, run: () => T): T {
    try {
      return run();
    } catch (error) {
      connection.console.error(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return fallback;
    }
  }

  const scheduler = new DiagnosticsScheduler({
    delayMs,
    compute: (uri) => {
      const doc = documents.get(uri);
      return doc ? { version: doc.version, diagnostics: service.diagnostics({ uri, text: doc.getText() }) } : undefined;
    },
    currentVersion: (uri) => documents.get(uri)?.version,
    publish: (uri, result) => void connection.sendDiagnostics({ uri, version: result.version, diagnostics: result.diagnostics }),
    onError: (uri, error) => connection.console.error(`diagnostics of ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });

  function refreshLenses(): void {
    void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  /** Overrides depend on the configs that name them: re-check open scripts when a config changes. */
  function recheckScripts(): void {
    const scripts = documents.all().filter((doc) => service.kindOf(doc.uri) === 'script');
    for (const doc of scripts) scheduler.schedule(doc.uri, delayMs);
    // Their "Train with this trainer" lens depends on which configs name them.
    if (canRefreshLenses && scripts.length > 0) refreshLenses();
  }

  let followsWorkspaceFolders = false;

  connection.onInitialize((params): InitializeResult => {
    roots = workspaceRoots(params);
    // Subscribing to folder changes throws when the client cannot send them (an error at every start).
    followsWorkspaceFolders = params.capabilities.workspace?.workspaceFolders === true;
    delayMs = readOptions(params).diagnosticsDelayMs ?? DEFAULT_DIAGNOSTICS_DELAY_MS;
    canRefreshLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [':', ' ', '.', '/', '[', "'", '"', '-'], resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'finetune-studio-language-server' },
    };
  });

  connection.onInitialized(() => {
    void connection.client
      .register(DidChangeWatchedFilesNotification.type, {
        // Configs (the index), checkpoints (the Resume lens), data files and modules a config names (its diagnostics).
        watchers: [CONFIG_GLOB, '**/checkpoint-*', '**/*.{jsonl,csv}', '**/*.{ts,js,mts,mjs,cts,cjs}'].map((globPattern) => ({ globPattern })),
      })
      .catch(() => undefined); // clients without dynamic registration still work, with a staler index
    if (!followsWorkspaceFolders) return;
    connection.workspace.onDidChangeWorkspaceFolders((event) => {
      const removed = new Set(event.removed.map((f) => uriToPath(f.uri)));
      roots = [...roots.filter((r) => !removed.has(r)), ...event.added.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined)];
      service.workspace.invalidate();
      recheckScripts();
    });
  });

  documents.onDidOpen(({ document }) => {
    const path = uriToPath(document.uri);
    if (path) openPaths.set(path, document.uri);
    // Diagnostics and the scripts' re-check follow from the content event that comes with every open.
  });
  documents.onDidChangeContent(({ document }) => {
    scheduler.schedule(document.uri, delayMs);
    if (service.kindOf(document.uri) === 'config') {
      recheckScripts();
      // A sweep's diagnostics include its base config's.
      for (const doc of documents.all()) if (service.kindOf(doc.uri) === 'sweep') scheduler.schedule(doc.uri, delayMs);
    }
  });
  documents.onDidClose(({ document }) => {
    const path = uriToPath(document.uri);
    if (path) openPaths.delete(path);
    scheduler.cancel(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    if (service.kindOf(document.uri) === 'config') recheckScripts();
  });

  connection.onDidChangeWatchedFiles(({ changes: all }) => {
    // A running trainer appends to its metrics.jsonl at every log: that says nothing about configs.
    const changes = all.filter((c) => !c.uri.endsWith('/metrics.jsonl'));
    if (changes.length === 0) return;
    // Module edits on disk do not change what configs say; anything else may (new configs, data rows).
    if (changes.some((c) => !documentKindIs(c.uri, 'script'))) service.workspace.invalidate();
    for (const doc of documents.all()) scheduler.schedule(doc.uri, delayMs);
    if (canRefreshLenses) refreshLenses();
  });

  function documentKindIs(uri: string, kind: DocumentKind): boolean {
    return service.kindOf(uri) === kind;
  }

  const snapshot = (uri: string) => {
    const doc = documents.get(uri);
    return doc ? { uri, text: doc.getText() } : undefined;
  };

  connection.onCompletion(({ textDocument, position }) =>
    guard('completion', null, () => {
      const doc = snapshot(textDocument.uri);
      return doc ? service.completion(doc, position) : null;
    }),
  );
  connection.onHover(({ textDocument, position }) =>
    guard('hover', null, () => {
      const doc = snapshot(textDocument.uri);
      return (doc && service.hover(doc, position)) ?? null;
    }),
  );
  connection.onCodeAction(({ textDocument, range, context }) =>
    guard('codeAction', [], () => {
      const doc = snapshot(textDocument.uri);
      return doc ? service.codeActions(doc, range, context.diagnostics) : [];
    }),
  );
  connection.onDocumentSymbol(({ textDocument }) =>
    guard('documentSymbol', [], () => {
      const doc = snapshot(textDocument.uri);
      return doc ? service.symbols(doc) : [];
    }),
  );
  connection.onCodeLens(({ textDocument }) =>
    guard('codeLens', [], () => {
      const doc = snapshot(textDocument.uri);
      return doc ? service.codeLenses(doc) : [];
    }),
  );
  connection.onShutdown(() => scheduler.dispose());

  documents.listen(connection);
  connection.listen();
}

// The gate logs what it drops through the connection it guards (messages flow only once both exist).
const gate = new LifecycleGate((method, reason) => connection.console.warn(`ignored a ${method} notification: ${reason}`));
const connection = createConnection(ProposedFeatures.all, { messageStrategy: gate });
startServer(connection);
