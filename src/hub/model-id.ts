/**
 * Hub model ids as people write them in configs: `name`, `org/name`, `org/name@revision`.
 * The checks are huggingface_hub's `validate_repo_id`, so an id accepted here is one the Hub accepts.
 */

export interface ModelId {
  /** `org/name` or `name`. */
  repoId: string;
  /** A branch, tag or commit sha; `main` when none is given. */
  revision: string;
  /** Whether the revision was written (`@rev`) rather than defaulted. */
  explicitRevision: boolean;
}

export const DEFAULT_REVISION = 'main';
const REPO_ID = /^(\b[\w\-.]+\b\/)?\b[\w\-.]+\b$/;
export const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** Parses `org/name@rev`; returns a message saying what is wrong instead of throwing. */
export function parseModelId(text: string): ModelId | string {
  const at = text.indexOf('@');
  const repoId = at >= 0 ? text.slice(0, at) : text;
  const revision = at >= 0 ? text.slice(at + 1) : DEFAULT_REVISION;
  if (at >= 0 && revision === '') return `'${text}': nothing after '@' (write org/name@revision, e.g. @main or a commit sha)`;
  if (repoId.length === 0) return 'empty model id (write org/name, e.g. distilbert/distilbert-base-uncased)';
  if (repoId.length > 96) return `'${repoId}' is longer than the Hub's 96 characters`;
  if (!REPO_ID.test(repoId)) {
    return `'${repoId}' is not a Hub model id: use 'name' or 'org/name' with letters, digits, '-', '_' and '.' (or give a folder that exists)`;
  }
  if (repoId.includes('--') || repoId.includes('..')) return `'${repoId}': '--' and '..' are not allowed in a Hub id`;
  return { repoId, revision, explicitRevision: at >= 0 };
}

/** `models--org--name`, the cache folder of a model repo (huggingface_hub's `repo_folder_name`). */
export function repoFolderName(repoId: string): string {
  return ['models', ...repoId.split('/')].join('--');
}

/** The inverse of repoFolderName for model folders; undefined for datasets, spaces and other entries. */
export function repoIdFromFolder(folder: string): string | undefined {
  if (!folder.startsWith('models--')) return undefined;
  return folder.slice('models--'.length).split('--').join('/');
}

export function formatModelId(id: Pick<ModelId, 'repoId' | 'revision'>): string {
  return id.revision === DEFAULT_REVISION ? id.repoId : `${id.repoId}@${id.revision}`;
}
