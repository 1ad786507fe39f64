/**
 * What the integration tests share: the extension's API, the fixture workspace, bounded waits on
 * events (never sleeps), and requests to the offline launcher (screenshots, notifications).
 */
import { existsSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FineTuneStudioApi } from '../../../client/extension';

export const EXTENSION_ID = 'finetune-studio.finetune-studio';

export async function activateExtension(): Promise<FineTuneStudioApi> {
  const extension = vscode.extensions.getExtension<FineTuneStudioApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this host`);
  return extension.activate();
}

/** The fixture workspace (a fresh copy of test/fixtures/workspace opened by the launcher). */
export function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open; the launcher opens a copy of test/fixtures/workspace');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

export async function openInEditor(...segments: string[]): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(...segments));
  return vscode.window.showTextDocument(document);
}

/** Rejects after `ms` unless `promise` settles first; the message says what was awaited. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

/** Resolves with the document's diagnostics once they satisfy `accept` (checked now and on every change). */
export function diagnosticsWhen(
  uri: vscode.Uri,
  accept: (diagnostics: vscode.Diagnostic[]) => boolean,
  what: string,
  ms = 30_000,
): Promise<vscode.Diagnostic[]> {
  let listener: vscode.Disposable | undefined;
  const settled = new Promise<vscode.Diagnostic[]>((resolve) => {
    const check = () => {
      const diagnostics = vscode.languages.getDiagnostics(uri);
      if (!accept(diagnostics)) return false;
      resolve(diagnostics);
      return true;
    };
    if (check()) return;
    listener = vscode.languages.onDidChangeDiagnostics((event) => {
      if (event.uris.some((u) => u.toString() === uri.toString())) check();
    });
  });
  return within(ms, what, settled).finally(() => listener?.dispose());
}

/**
 * Repeats a language feature request until its answer is accepted. The server answers as soon as
 * it has the document, but a request sent while the client is still syncing may come back empty.
 */
export async function untilAnswered<T>(request: () => Thenable<T>, accept: (answer: T) => boolean, what: string, attempts = 50): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await request();
    if (accept(last)) return last;
  }
  throw new Error(`${what}: no acceptable answer after ${attempts} requests; last answer ${JSON.stringify(last)?.slice(0, 500)}`);
}

/** The folder the offline launcher watches for answers; undefined under @vscode/test-electron. */
export function launcherDirectory(): string | undefined {
  return process.env.FTS_LAUNCHER_DIR || undefined;
}

/**
 * Asks the offline launcher for something only the browser can do, through a marker line in the
 * test output, and resolves with its answer, which it writes to `<FTS_LAUNCHER_DIR>/<id>.json`.
 */
export function askLauncher<T>(id: string, request: Record<string, unknown>, ms = 120_000): Promise<T> {
  const dir = launcherDirectory();
  if (!dir) return Promise.reject(new Error('no launcher: FTS_LAUNCHER_DIR is not set'));
  const answerPath = join(dir, `${id}.json`);
  let watcher: ReturnType<typeof watch> | undefined;
  const answered = new Promise<T>((resolve, reject) => {
    const read = () => {
      if (!existsSync(answerPath)) return false;
      const answer = JSON.parse(readFileSync(answerPath, 'utf8')) as T & { error?: string };
      if (answer.error) reject(new Error(`launcher: ${answer.error}`));
      else resolve(answer);
      return true;
    };
    // Watch before asking, then check once, so an answer written in between is not missed.
    watcher = watch(dir, () => void read());
    if (!read()) console.log(`[fts:launcher] ${JSON.stringify({ id, ...request })}`);
  });
  return within(ms, `the launcher's answer to ${id}`, answered).finally(() => watcher?.close());
}
