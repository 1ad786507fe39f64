/**
 * One code-server instance for one launch: loopback only, no auth, isolated HOME, user data and
 * extensions, the smoke-test driver enabled (without it the workbench ignores the test payload),
 * started in its own process group so that stopping it also ends every helper it spawned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { HostInstall } from './install';

export interface CodeServerOptions {
  install: HostInstall;
  /** HOME, TMPDIR, user data and logs live under here. */
  stateDir: string;
  extensionsDir: string;
  /** false: Workspace Trust stays on, and a folder is untrusted until the person trusts it. */
  disableWorkspaceTrust: boolean;
  logFile: string;
}

export interface CodeServer {
  port: number;
  origin: string;
  stop(): Promise<void>;
}

/** A port nothing listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function isolatedEnvironment(stateDir: string): NodeJS.ProcessEnv {
  const home = join(stateDir, 'home');
  const tmp = join(stateDir, 'tmp');
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TZ'];
  const env: NodeJS.ProcessEnv = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  return { ...env, HOME: home, TMPDIR: tmp, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') };
}

/** Kills the whole process group: SIGTERM, then SIGKILL for whatever is left after `graceMs`. */
export async function killGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  // Helpers (extension host, language server, trainers) may outlive the main process: end them too.
  signal('SIGKILL');
}

/** Runs code-server once as a CLI (e.g. --install-extension) with the same isolation. */
export function runCodeServerCli(install: HostInstall, stateDir: string, args: string[], logFile: string): Promise<void> {
  const log = createWriteStream(logFile, { flags: 'a' });
  return new Promise((resolve, reject) => {
    const child = spawn(install.node, [install.codeServerEntry, '--config', '/dev/null', ...args], {
      env: isolatedEnvironment(stateDir),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', reject);
    child.on('exit', (code) => {
      log.end();
      if (code === 0) resolve();
      else reject(new Error(`code-server ${args.join(' ')} exited with ${code}; see ${logFile}`));
    });
  });
}

export async function startCodeServer(options: CodeServerOptions, readyMs = 60_000): Promise<CodeServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const args = [
    options.install.codeServerEntry,
    '--config', '/dev/null',
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.disableWorkspaceTrust ? ['--disable-workspace-trust'] : []),
    '--user-data-dir', join(options.stateDir, 'user-data'),
    '--extensions-dir', options.extensionsDir,
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  const log = createWriteStream(options.logFile, { flags: 'a' });
  // detached: the server leads a new session and process group (setsid), killed as a whole later.
  const child = spawn(options.install.node, args, { env: isolatedEnvironment(options.stateDir), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const stop = async () => {
    await killGroup(child);
    log.end();
  };
  try {
    await waitForListening(child, readyMs);
    await waitForHealth(origin, readyMs);
  } catch (error) {
    await stop();
    throw new Error(`code-server did not start: ${(error as Error).message}; see ${options.logFile}`);
  }
  return { port, origin, stop };
}

/** Resolves when code-server logs that its HTTP server listens; rejects if it exits first. */
function waitForListening(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`no "HTTP server listening" line within ${ms} ms`)), ms);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (/HTTP server listening on/.test(seen)) done();
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`exited early (${signal ?? `code ${code}`})`));
    function done(error?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** GET /healthz until it answers 200 (it does at once once the server listens; retried briefly). */
async function waitForHealth(origin: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/healthz did not answer within ${ms} ms (${last})`);
}
