/** Errors of Hub resolution and downloads; each message names the model (and file) and says what to do. */

export type HubErrorKind =
  | 'invalid-id'
  | 'gated'
  | 'not-found'
  | 'revision-not-found'
  | 'file-missing'
  | 'no-weights'
  | 'offline-missing'
  | 'network'
  | 'server'
  | 'integrity'
  | 'cancelled';

export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    readonly repoId?: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export function isHubError(error: unknown, kind?: HubErrorKind): error is HubError {
  return error instanceof HubError && (kind === undefined || error.kind === kind);
}

/** How to log in, for gated and private models. */
export function loginHint(endpoint: string, repoId: string, tokenFrom: string | undefined): string {
  const accept = `accept its terms at ${endpoint}/${repoId} while logged in`;
  return tokenFrom
    ? `The token from ${tokenFrom} has no access: ${accept}, or use a token of an account that has access (HF_TOKEN=hf_…).`
    : `No token was sent: ${accept}, then set HF_TOKEN=hf_… (a read token from ${endpoint}/settings/tokens) or run \`huggingface-cli login\`, which writes the token file Python uses too.`;
}
