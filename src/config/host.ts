/**
 * What validation needs from the outside world (files on disk), behind an interface so
 * `src/config` stays free of Node: the CLI passes an fs-based host, the language server its own,
 * tests an in-memory one.
 */
export interface ConfigHost {
  /** Absolute path of `relative` as seen from the config file (absolute paths pass through). */
  resolvePath(fromConfigFile: string, relative: string): string;
  fileExists(path: string): boolean;
  /**
   * A regular file, a folder, or something else (a device such as /dev/stdin or /dev/zero, a FIFO,
   * a socket), which is never read; undefined when it does not exist or the host cannot tell.
   */
  fileKind?(path: string): 'file' | 'directory' | 'other' | undefined;
  /** The first `maxBytes` bytes of a text file, or undefined when it cannot be read. */
  readTextHead(path: string, maxBytes: number): string | undefined;
  /** This machine's memory (os.totalmem): the memory plan's limit for the cpu and native backends. */
  machineMemoryBytes?(): number;
  /**
   * Whether a wasm run here gets the native addon's fused kernels (they keep fewer intermediates,
   * so the memory plan's activations differ); false or absent plans for the pure-wasm composites.
   */
  nativeFusedKernels?(): boolean;
  /** Data rows in a JSONL (non-empty lines) or CSV (rows after the header) file; undefined when unknown. */
  countDataRows(path: string): number | undefined;
  /**
   * `model.from_pretrained` as a Hub id (`org/name[@rev]`): its state in the local Hugging Face
   * cache, looked up without any network request. Undefined when the value is a folder that
   * exists or not a Hub id (then it is checked as a path), or when the host has no cache.
   */
  lookupHubModel?(value: string, fromConfigFile: string): HubModelLookup | undefined;
  /**
   * Told about a bug caught inside validation (a cross-field rule that threw). Validation goes
   * on without that rule's problems; this is where the bug becomes visible: the server's log,
   * the CLI's stderr.
   */
  reportInternalError?(what: string, error: unknown): void;
}

/** An error as one loggable text: its stack when it has one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

export interface HubModelLookup {
  /** cached: usable as is; otherwise what lacks (the whole model, the revision, some files). */
  status: 'cached' | 'no-repo' | 'no-revision' | 'incomplete';
  /** HF_HUB_OFFLINE: a run cannot download what lacks. */
  offline: boolean;
  /** A sentence naming what is missing and where. */
  detail: string;
  /** The snapshot folder, when cached: the rules read its config.json as they read a local folder's. */
  folder?: string;
}

/** A host that knows no files: path checks and step counts are skipped. */
export function createNullConfigHost(): ConfigHost {
  return {
    resolvePath: (_from, relative) => relative,
    fileExists: () => true,
    readTextHead: () => undefined,
    countDataRows: () => undefined,
  };
}
