/** `model.from_pretrained`: completion and hover from the local Hugging Face cache (never the network). */
import { CompletionItemKind, MarkupKind, type CompletionItem, type Range } from 'vscode-languageserver';
import type { CachedModel } from '../../../src/hub/cache';
import { findRevision, revisionSummary, type HubCacheView } from '../../../src/hub/cache-view';
import { formatModelId } from '../../../src/hub/model-id';

/** One item per cached model (its `main`, else its newest revision), plus one per other ref: `org/name@v1`. */
export function hubModelCompletions(models: readonly CachedModel[], replace: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const model of models) {
    for (const revision of model.revisions) {
      const refs = revision.refs.length > 0 ? revision.refs : [revision.commit];
      for (const ref of refs) {
        const id = formatModelId({ repoId: model.repoId, revision: ref });
        items.push({
          label: id,
          kind: CompletionItemKind.Module,
          detail: revisionSummary(revision),
          documentation: { kind: MarkupKind.Markdown, value: `Hugging Face cache, commit \`${revision.commit}\`\n\n\`${revision.folder}\`` },
          textEdit: { range: replace, newText: id },
          filterText: id,
          // Complete models first, then incomplete ones, then folders (sortText 0/1 there).
          sortText: `${revision.complete ? '2' : '3'}${id}`,
        });
      }
    }
  }
  return items;
}

/** Hover on a from_pretrained value: the cached checkpoint's summary, or that the run downloads it. */
export function hubModelHover(value: string, configDir: string, hub: HubCacheView): string | undefined {
  const location = hub.locate(value, configDir);
  switch (location.kind) {
    case 'folder':
    case 'not-found':
      return undefined;
    case 'cached': {
      const model = hub.models().find((m) => m.repoId === location.id.repoId);
      const revision = model && (findRevision(model, location.id.revision) ?? findRevision(model, location.commit));
      const summary = revision ? revisionSummary(revision) : '';
      const architectures = revision?.architectures?.length ? `\n\nArchitectures: ${revision.architectures.join(', ')}` : '';
      return `**${formatModelId(location.id)}** (Hugging Face cache): ${summary}${architectures}\n\nCommit \`${location.commit}\`\n\n\`${location.folder}\``;
    }
    case 'download':
      return `**${formatModelId(location.id)}**: ${location.detail}; it will be downloaded from the Hub at run start (or now: \`finetune-studio download ${formatModelId(location.id)}\`).`;
    case 'offline-missing':
      return `**${formatModelId(location.id)}**: ${location.message}.`;
  }
}
