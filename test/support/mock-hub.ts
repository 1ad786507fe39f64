/**
 * A Hugging Face Hub on 127.0.0.1 (an ephemeral port) for tests: the endpoints the download path
 * and Python's huggingface_hub call, with the Hub's headers, and faults to inject.
 *
 *   GET  /api/models/<id>/revision/<rev>         model info: sha, siblings
 *   GET  /api/models/<id>/tree/<rev>?recursive=   files with size, git blob id, LFS sha256
 *   HEAD|GET /<id>/resolve/<rev>/<path>          small files: 200 + ETag (git blob id), X-Repo-Commit;
 *                                                LFS files: 302 to /cdn/ on http://localhost + X-Linked-Etag, X-Linked-Size
 *   HEAD|GET /cdn/<sha256>?path=<path>           the CDN: bytes with Range support
 *
 * Error answers carry X-Error-Code as the Hub's do (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface MockRepoSpec {
  id: string;
  /** Branch or tag name -> commit sha. */
  refs: Record<string, string>;
  /** Commit sha -> path -> content. Files ending in .safetensors are stored in LFS. */
  commits: Record<string, Record<string, string | Uint8Array>>;
  /** Requires `Authorization: Bearer <one of these>`; without a token 401, with another 403. */
  gatedTokens?: string[];
}

interface StoredFile {
  content: Buffer;
  gitOid: string;
  lfs?: { sha256: string; pointerSize: number; pointerOid: string };
}

export interface RequestRecord {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

/** A fault for the next `times` full (non-probe) body transfers of a file path. */
export interface Faults {
  /** Close the connection after this many bytes of the body. */
  drop?: Map<string, { afterBytes: number; times: number }>;
  /** Send bytes with the right length but different content. */
  corrupt?: Map<string, { times: number }>;
  /** Answer this status instead. */
  status?: Map<string, { code: number; times: number }>;
  /** Send this many bytes, then nothing more (until the server closes). */
  stall?: Map<string, { afterBytes: number; times: number }>;
}

export interface MockHub {
  url: string;
  requests: RequestRecord[];
  faults: Faults;
  close(): Promise<void>;
}

export function gitBlobOid(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function store(content: string | Uint8Array, path: string): StoredFile {
  const bytes = Buffer.from(content);
  if (!path.endsWith('.safetensors')) return { content: bytes, gitOid: gitBlobOid(bytes) };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.length}\n`);
  return { content: bytes, gitOid: gitBlobOid(pointer), lfs: { sha256, pointerSize: pointer.length, pointerOid: gitBlobOid(pointer) } };
}

function takeFault<T extends { times: number }>(map: Map<string, T> | undefined, path: string): T | undefined {
  const fault = map?.get(path);
  if (!fault || fault.times <= 0) return undefined;
  fault.times -= 1;
  return fault;
}

export async function startMockHub(specs: readonly MockRepoSpec[]): Promise<MockHub> {
  const repos = new Map(
    specs.map((spec) => [
      spec.id,
      {
        spec,
        commits: new Map(Object.entries(spec.commits).map(([sha, files]) => [sha, new Map(Object.entries(files).map(([p, c]) => [p, store(c, p)]))])),
      },
    ]),
  );
  const bySha = new Map<string, StoredFile>();
  for (const repo of repos.values()) for (const files of repo.commits.values()) for (const f of files.values()) if (f.lfs) bySha.set(f.lfs.sha256, f);

  const requests: RequestRecord[] = [];
  const faults: Faults = {};
  const sockets = new Set<Socket>();
  let base = '';

  const fail = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'X-Error-Code': code, 'X-Error-Message': message });
    res.end(JSON.stringify({ error: message }));
  };

  /** The repo and commit for an id and revision, or an error already answered. */
  const locate = (req: IncomingMessage, res: ServerResponse, id: string, revision: string) => {
    const repo = repos.get(id);
    if (!repo) return fail(res, 404, 'RepoNotFound', 'Repository not found');
    const tokens = repo.spec.gatedTokens;
    if (tokens) {
      const auth = req.headers.authorization;
      if (!auth) return fail(res, 401, 'GatedRepo', `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
      if (!tokens.includes(auth.replace(/^Bearer /, ''))) return fail(res, 403, 'GatedRepo', `Access to model ${id} is restricted and you are not in the authorized list.`);
    }
    const sha = repo.spec.refs[revision] ?? (repo.commits.has(revision) ? revision : undefined);
    const files = sha === undefined ? undefined : repo.commits.get(sha);
    if (sha === undefined || !files) return fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    return { sha, files };
  };

  /** Sends a file's bytes honouring Range, with the faults configured for its path. */
  const sendBytes = (req: IncomingMessage, res: ServerResponse, file: StoredFile, path: string, headers: Record<string, string>) => {
    const size = file.content.length;
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        return res.end();
      }
    }
    const probe = req.headers.range === 'bytes=0-0';
    const status = probe ? undefined : takeFault(faults.status, path);
    if (status) return fail(res, status.code, 'Injected', `injected ${status.code}`);
    let body = file.content.subarray(start, end + 1);
    if (!probe && takeFault(faults.corrupt, path)) body = Buffer.from(body.map((b) => b ^ 0xff));
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'Accept-Ranges': 'bytes',
      'Content-Length': String(body.length),
      'Content-Type': 'application/octet-stream',
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    const drop = probe ? undefined : takeFault(faults.drop, path);
    const stall = probe ? undefined : takeFault(faults.stall, path);
    const cut = drop ?? stall;
    if (cut) {
      res.write(body.subarray(0, cut.afterBytes), () => {
        if (drop) res.socket?.destroy();
      });
      return;
    }
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;

    if (path.startsWith('/api/models/')) {
      const rest = path.slice('/api/models/'.length);
      const match = /^(.+?)\/(revision|tree)\/([^/]+)(?:\/(.*))?$/.exec(rest);
      if (!match) return fail(res, 404, 'RepoNotFound', 'Repository not found');
      const [, id, kind, rev] = match;
      const found = locate(req, res, decodeURIComponent(id), decodeURIComponent(rev));
      if (!found) return;
      res.setHeader('Content-Type', 'application/json');
      if (kind === 'revision') {
        return res.end(
          JSON.stringify({
            _id: `mock-${id}`,
            id,
            modelId: id,
            sha: found.sha,
            private: false,
            gated: repos.get(id)?.spec.gatedTokens ? 'manual' : false,
            disabled: false,
            downloads: 0,
            likes: 0,
            tags: [],
            lastModified: '2026-01-01T00:00:00.000Z',
            siblings: [...found.files.keys()].map((rfilename) => ({ rfilename })),
          }),
        );
      }
      return res.end(
        JSON.stringify(
          [...found.files.entries()].map(([p, f]) => ({
            type: 'file',
            oid: f.gitOid,
            size: f.content.length,
            path: p,
            ...(f.lfs ? { lfs: { oid: f.lfs.sha256, size: f.content.length, pointerSize: f.lfs.pointerSize } } : {}),
          })),
        ),
      );
    }

    if (path.startsWith('/cdn/')) {
      const file = bySha.get(path.slice('/cdn/'.length));
      if (!file) return fail(res, 404, 'EntryNotFound', 'No such blob');
      return sendBytes(req, res, file, url.searchParams.get('path') ?? '', { ETag: `"${file.lfs?.sha256}"` });
    }

    const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolve) {
      const [, id, rev, filePath] = resolve.map((s) => decodeURIComponent(s));
      const found = locate(req, res, id, rev);
      if (!found) return;
      const file = found.files.get(filePath);
      if (!file) return fail(res, 404, 'EntryNotFound', `${filePath} does not exist on "${rev}"`);
      const common = { 'X-Repo-Commit': found.sha, ETag: `"${file.gitOid}"` };
      if (file.lfs) {
        res.writeHead(302, {
          ...common,
          'X-Linked-Etag': `"${file.lfs.sha256}"`,
          'X-Linked-Size': String(file.content.length),
          // Another host name for the same server, as the Hub's CDN is another host: Python stops at this
          // redirect to read the metadata headers, and clients must not forward the token there.
          Location: `${base.replace('127.0.0.1', 'localhost')}/cdn/${file.lfs.sha256}?path=${encodeURIComponent(filePath)}`,
          'Content-Length': '0',
        });
        return res.end();
      }
      return sendBytes(req, res, file, filePath, common);
    }
    fail(res, 404, 'NotFound', `no route for ${path}`);
  };

  const server: Server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The mock Hub in a worker thread: it keeps answering while the main thread waits on runPython. */
export async function startMockHubInWorker(specs: readonly MockRepoSpec[]): Promise<{ url: string; close(): Promise<void> }> {
  const { Worker } = await import('node:worker_threads');
  const { join } = await import('node:path');
  // The worker loads the TypeScript entry through tsx's CommonJS API (a worker gets no --import hooks).
  const entry = join(__dirname, 'mock-hub-worker.ts');
  const code = `require('tsx/cjs/api').require(${JSON.stringify(entry)}, ${JSON.stringify(entry)});`;
  const worker = new Worker(code, { eval: true, workerData: { specs } });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', (message: { url: string }) => resolve(message.url));
    worker.once('error', reject);
  });
  return {
    url,
    close: async () => {
      worker.postMessage('close');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}
