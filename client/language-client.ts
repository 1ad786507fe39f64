/**
 * The Fine-Tune Studio language client (dist/server.js over Node IPC) for trainer configs and
 * TS/JS trainer modules. Created unstarted: client/language-server-session.ts starts, restarts
 * and stops it. */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CLUSTER_GLOB, CONFIG_GLOB, SWEEP_GLOB } from '../src/protocol/config-files';

/** Configs by language and name; scripts by language (the server ignores files without a computeLoss). */
export const DOCUMENT_SELECTOR: LanguageClientOptions['documentSelector'] = [
  ...['yaml', 'json', 'jsonc'].flatMap((language) => [CONFIG_GLOB, SWEEP_GLOB, CLUSTER_GLOB].map((pattern) => ({ language, pattern }))),
  ...['typescript', 'javascript', 'typescriptreact', 'javascriptreact'].map((language) => ({ scheme: 'file', language })),
];

/** Lens commands carry config URIs as strings (the LSP wire format); commands get a vscode.Uri. */
function reviveUriArguments(lens: vscode.CodeLens): vscode.CodeLens {
  const command = lens.command;
  if (command?.arguments) {
    command.arguments = command.arguments.map((arg: unknown) => (typeof arg === 'string' && arg.startsWith('file:') ? vscode.Uri.parse(arg) : arg));
  }
  return lens;
}

export function createLanguageClient(context: vscode.ExtensionContext, output?: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    middleware: {
      provideCodeLenses: async (document, token, next) => (await next(document, token))?.map(reviveUriArguments),
    },
    ...(output ? { outputChannel: output } : {}),
  };
  return new LanguageClient('finetuneStudio', 'Fine-Tune Studio Language Server', serverOptions, clientOptions);
}
