/**
 * The "Models" view's data: the Hugging Face cache as `huggingface-cli scan-cache` shows it,
 * one node per model with one child per cached revision. Pure (no vscode), so it is unit tested;
 * models-view.ts only turns these nodes into TreeItems.
 */
import type { CachedModel, CachedRevision } from '../src/hub/cache';
import { revisionSummary } from '../src/hub/cache-view';
import { formatBytes } from '../src/hub/format';
import { formatModelId } from '../src/hub/model-id';

export interface ModelNode {
  kind: 'model';
  repoId: string;
  label: string;
  description: string;
  tooltip: string;
  revisions: RevisionNode[];
}

export interface RevisionNode {
  kind: 'revision';
  repoId: string;
  commit: string;
  /** What `from_pretrained` should say for this revision: `org/name`, `org/name@v1` or `org/name@<sha>`. */
  modelId: string;
  label: string;
  description: string;
  tooltip: string;
  folder: string;
  complete: boolean;
}

export type ModelsTreeNode = ModelNode | RevisionNode;

function revisionNode(model: CachedModel, revision: CachedRevision): RevisionNode {
  const ref = revision.refs.includes('main') ? 'main' : (revision.refs[0] ?? revision.commit);
  const refs = revision.refs.length > 0 ? revision.refs.join(', ') : 'no ref';
  return {
    kind: 'revision',
    repoId: model.repoId,
    commit: revision.commit,
    modelId: formatModelId({ repoId: model.repoId, revision: ref }),
    label: `${refs} (${revision.commit.slice(0, 8)})`,
    description: revisionSummary(revision),
    tooltip: [`${model.repoId} at ${revision.commit}`, revision.architectures?.join(', '), revision.folder].filter(Boolean).join('\n'),
    folder: revision.folder,
    complete: revision.complete,
  };
}

export function buildModelsTree(models: readonly CachedModel[]): ModelNode[] {
  return models.map((model) => {
    const types = [...new Set(model.revisions.map((r) => r.modelType).filter(Boolean))].join(', ');
    const count = model.revisions.length;
    return {
      kind: 'model',
      repoId: model.repoId,
      label: model.repoId,
      description: [types || undefined, `${count} revision${count === 1 ? '' : 's'}`, formatBytes(model.sizeOnDisk)].filter(Boolean).join(' · '),
      tooltip: model.repoDir,
      revisions: model.revisions.map((r) => revisionNode(model, r)),
    };
  });
}

/** A trainer config that fine-tunes a cached model; the data part is for the person to fill in. */
export function renderFromPretrainedConfig(modelId: string): string {
  return [
    '# Fine-Tune Studio trainer config. Hover any key for its documentation.',
    'model:',
    `  from_pretrained: ${/^[\w./@-]+$/.test(modelId) ? modelId : JSON.stringify(modelId)}   # from the Hugging Face cache`,
    '  num_labels: 2',
    'data:',
    '  train_file: data/train.jsonl',
    '  eval_file: data/valid.jsonl',
    '  text_column: text',
    '  label_column: label',
    'metrics: [accuracy, f1]',
    'training_args:',
    `  output_dir: runs/${modelId.split('/').pop()?.split('@')[0] ?? 'model'}`,
    '  num_train_epochs: 3',
    '  per_device_train_batch_size: 16',
    '  learning_rate: 2.0e-5',
    '  eval_strategy: epoch',
    '  save_strategy: epoch',
    '  seed: 42',
    '',
  ].join('\n');
}
