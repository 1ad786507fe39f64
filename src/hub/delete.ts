/**
 * Deleting one cached revision the way huggingface_hub's `delete_revisions` does: its snapshot,
 * the refs that point at it, its tree listing, and the blobs no other revision uses; the whole
 * repo folder when it was the last revision.
 */
import { readlinkSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CachedModel } from './cache';

export interface DeletePlan {
  /** Files and folders to remove, in order. */
  paths: string[];
  /** Bytes freed (blobs no longer used, and copies in the snapshot). */
  freedBytes: number;
}

/** The blob a snapshot file links to, or undefined for a copied file. */
function linkedBlob(path: string): string | undefined {
  try {
    return resolve(dirname(path), readlinkSync(path));
  } catch {
    return undefined;
  }
}

export function planRevisionDelete(model: CachedModel, commit: string, blobSize: (path: string) => number): DeletePlan {
  const target = model.revisions.find((r) => r.commit === commit);
  if (!target) return { paths: [], freedBytes: 0 };
  if (model.revisions.length === 1) return { paths: [model.repoDir], freedBytes: model.sizeOnDisk };
  const usedElsewhere = new Set(
    model.revisions.filter((r) => r.commit !== commit).flatMap((r) => r.files.map((f) => linkedBlob(join(r.folder, f))).filter((b): b is string => b !== undefined)),
  );
  const paths: string[] = [];
  let freedBytes = 0;
  for (const file of target.files) {
    const blob = linkedBlob(join(target.folder, file));
    if (blob === undefined) freedBytes += blobSize(join(target.folder, file));
    else if (!usedElsewhere.has(blob) && !paths.includes(blob)) {
      paths.push(blob);
      freedBytes += blobSize(blob);
    }
  }
  paths.push(target.folder, join(model.repoDir, 'trees', `${commit}.json`));
  for (const ref of target.refs) paths.push(join(model.repoDir, 'refs', ...ref.split('/')));
  return { paths, freedBytes };
}

/** Removes what the plan lists; a path already gone is fine. Never leaves the repo folder. */
export function applyDeletePlan(model: CachedModel, plan: DeletePlan): void {
  for (const path of plan.paths) {
    const inside = resolve(path) === resolve(model.repoDir) || resolve(path).startsWith(resolve(model.repoDir) + '/');
    if (!inside || !basename(model.repoDir).startsWith('models--')) throw new Error(`refusing to delete ${path}: outside ${model.repoDir}`);
    rmSync(path, { recursive: true, force: true });
  }
}
