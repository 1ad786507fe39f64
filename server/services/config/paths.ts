/** File-path completion for config fields that name files or folders relative to the config. */
import { dirname, resolve, isAbsolute } from 'node:path';
import { CompletionItemKind, type CompletionItem, type Range } from 'vscode-languageserver';
import type { FileAccess } from '../../files';

export type PathKind = 'data' | 'module' | 'folder';

/** Which fields take paths, and what they point at. */
export const PATH_FIELDS: Readonly<Record<string, PathKind>> = {
  'data.train_file': 'data',
  'data.eval_file': 'data',
  'data.tokenizer': 'folder',
  trainer: 'module',
  'model.from_pretrained': 'folder',
};

const EXTENSIONS: Record<Exclude<PathKind, 'folder'>, readonly string[]> = {
  data: ['.jsonl', '.csv', '.json'],
  module: ['.ts', '.js', '.mts', '.mjs', '.cts', '.cjs'],
};

const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/**
 * Entries of the folder named by `typed` (the value up to the cursor) that fit the field.
 * `replace` is the range of the last path segment, which each item replaces.
 */
export function pathCompletions(files: FileAccess, configPath: string, typed: string, kind: PathKind, replace: Range): CompletionItem[] {
  const slash = Math.max(typed.lastIndexOf('/'), typed.lastIndexOf('\\'));
  const folderPart = slash >= 0 ? typed.slice(0, slash + 1) : '';
  const base = dirname(configPath);
  const folder = folderPart === '' ? base : isAbsolute(folderPart) ? folderPart : resolve(base, folderPart);
  const entries = files.listDirectory(folder) ?? [];
  const items: CompletionItem[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
    if (entry.isDirectory) {
      items.push({
        label: `${entry.name}/`,
        kind: CompletionItemKind.Folder,
        textEdit: { range: replace, newText: kind === 'folder' ? entry.name : `${entry.name}/` },
        filterText: entry.name,
        sortText: `0${entry.name}`,
        // Keep completing inside the folder just entered.
        ...(kind === 'folder' ? {} : { command: { title: 'Suggest', command: 'editor.action.triggerSuggest' } }),
      });
    } else if (kind !== 'folder' && EXTENSIONS[kind].some((ext) => entry.name.toLowerCase().endsWith(ext))) {
      items.push({
        label: entry.name,
        kind: CompletionItemKind.File,
        textEdit: { range: replace, newText: kind === 'module' && folderPart === '' ? `./${entry.name}` : entry.name },
        filterText: entry.name,
        sortText: `1${entry.name}`,
      });
    }
  }
  return items;
}
