/**
 * Routes editor requests to the config or override services by document kind. Knows nothing
 * of the connection: server.ts wires it to LSP, tests and the fuzzer call it directly.
 */
import type { CodeAction, CodeLens, CompletionList, Diagnostic, DocumentSymbol, Hover, Position, Range } from 'vscode-languageserver';
import { createServiceContext, type ServerLog, type ServiceContext } from './context';
import { documentKind, type DocumentKind } from './document-kinds';
import type { FileAccess } from './files';
import { configCodeActions } from './services/config/code-actions';
import { configCodeLenses } from './services/config/code-lens';
import { configCompletions } from './services/config/completion';
import { configDiagnostics } from './services/config/diagnostics';
import { configHover } from './services/config/hover';
import { configSymbols } from './services/config/symbols';
import { mayContainOverride } from './services/override/references';
import type { OverrideSource } from './services/override/service';
import { clusterCompletions, clusterDiagnostics, clusterHover } from './services/cluster/service';
import { sweepCodeActions, sweepCompletions, sweepDiagnostics, sweepHover } from './services/sweep/service';
import { uriToPath } from './uri';
import { WorkspaceIndex } from './workspace-index';

type OverrideModule = typeof import('./services/override/service');

export interface TextSnapshot {
  uri: string;
  text: string;
}

export interface LanguageServiceOptions {
  /** File access with open documents laid over the disk. */
  files: FileAccess;
  /** Workspace folders to scan for trainer configs. */
  roots: () => readonly string[];
  /** Paths of open config documents. */
  openConfigs: () => readonly string[];
  /** Where caught bugs are reported (the server passes its connection's console). */
  log?: ServerLog;
}

const EMPTY_LIST: CompletionList = { isIncomplete: false, items: [] };

export class LanguageService {
  readonly context: ServiceContext;
  readonly workspace: WorkspaceIndex;
  /** The last analysis: completion, hover, lenses and diagnostics of one text reuse it. */
  private lastOverride?: { key: string; source: OverrideSource };
  private overrideModule?: OverrideModule;

  constructor(options: LanguageServiceOptions) {
    this.context = createServiceContext(options.files, undefined, options.log);
    this.workspace = new WorkspaceIndex({ files: options.files, roots: options.roots, openConfigs: options.openConfigs });
  }

  /** The file path of a document (the URI itself for documents without one, e.g. untitled). */
  fileNameOf(uri: string): string {
    return uriToPath(uri) ?? uri;
  }

  kindOf(uri: string): DocumentKind {
    return documentKind(this.fileNameOf(uri));
  }

  /**
   * The override services, loaded on first use: they bring in the TypeScript compiler (~45 MiB,
   * ~300 ms to load), which a session without a trainer module never needs.
   */
  private get overrides(): OverrideModule {
    // A synchronous lazy load; esbuild bundles the module and defers its evaluation to this call.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.overrideModule ??= require('./services/override/service') as OverrideModule;
    return this.overrideModule;
  }

  /**
   * Runs an override feature on the document's analysis; `fallback` when the file has no
   * computeLoss. The TypeScript parser (and the checks) recurse per nesting level, so absurdly
   * nested text can exhaust the stack: such a file has no override we could check either.
   */
  private withOverride<T>(doc: TextSnapshot, fallback: T, feature: (source: OverrideSource) => T): T {
    if (!mayContainOverride(doc.text)) return fallback;
    const fileName = this.fileNameOf(doc.uri);
    const references = uriToPath(doc.uri) ? this.workspace.referencesTo(fileName) : [];
    try {
      const key = `${doc.uri}\0${JSON.stringify(references)}\0${doc.text}`;
      if (this.lastOverride?.key !== key) this.lastOverride = { key, source: this.overrides.analyzeOverrideSource(doc.text, fileName, references) };
      return feature(this.lastOverride.source);
    } catch (error) {
      if (error instanceof RangeError) return fallback;
      throw error;
    }
  }

  completion(doc: TextSnapshot, position: Position): CompletionList {
    switch (this.kindOf(doc.uri)) {
      case 'config':
        return configCompletions(doc.text, this.fileNameOf(doc.uri), position, this.context);
      case 'sweep':
        return sweepCompletions(doc.text, this.fileNameOf(doc.uri), position, this.context);
      case 'cluster':
        return clusterCompletions(doc.text, this.fileNameOf(doc.uri), position, this.context);
      case 'script':
        return this.withOverride(doc, EMPTY_LIST, (source) => ({ isIncomplete: false, items: this.overrides.overrideCompletions(source, position) }));
      default:
        return EMPTY_LIST;
    }
  }

  hover(doc: TextSnapshot, position: Position): Hover | undefined {
    switch (this.kindOf(doc.uri)) {
      case 'config':
        return configHover(doc.text, this.fileNameOf(doc.uri), position, this.context);
      case 'sweep':
        return sweepHover(doc.text, this.fileNameOf(doc.uri), position, this.context);
      case 'cluster':
        return clusterHover(doc.text, this.fileNameOf(doc.uri), position, this.context);
      case 'script':
        return this.withOverride(doc, undefined, (source) => this.overrides.overrideHover(source, position));
      default:
        return undefined;
    }
  }

  diagnostics(doc: TextSnapshot): Diagnostic[] {
    switch (this.kindOf(doc.uri)) {
      case 'config':
        return configDiagnostics(doc.text, this.fileNameOf(doc.uri), this.context);
      case 'sweep':
        return sweepDiagnostics(doc.text, this.fileNameOf(doc.uri), this.context);
      case 'cluster':
        return clusterDiagnostics(doc.text, this.fileNameOf(doc.uri), this.context);
      case 'script':
        return this.withOverride(doc, [], (source) => this.overrides.overrideDiagnostics(source));
      default:
        return [];
    }
  }

  codeActions(doc: TextSnapshot, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
    if (this.kindOf(doc.uri) === 'sweep') return sweepCodeActions(doc.text, this.fileNameOf(doc.uri), doc.uri, range, diagnostics, this.context);
    if (this.kindOf(doc.uri) !== 'config') return [];
    return configCodeActions(doc.text, this.fileNameOf(doc.uri), doc.uri, range, diagnostics, this.context);
  }

  symbols(doc: TextSnapshot): DocumentSymbol[] {
    return this.kindOf(doc.uri) === 'config' ? configSymbols(doc.text, this.fileNameOf(doc.uri), this.context) : [];
  }

  codeLenses(doc: TextSnapshot): CodeLens[] {
    switch (this.kindOf(doc.uri)) {
      case 'config':
        return configCodeLenses(doc.text, this.fileNameOf(doc.uri), doc.uri, this.context);
      case 'script':
        return this.withOverride(doc, [], (source) => this.overrides.overrideCodeLenses(source));
      default:
        return [];
    }
  }
}
