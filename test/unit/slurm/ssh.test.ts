/**
 * Slurm commands on a "login node" over ssh, against a real sshd the test starts on 127.0.0.1
 * (a high port, a generated host key and client key, its own config; Debian's openssh-server,
 * installed by .ci/run). Every argument reaches the remote command unchanged, however hostile,
 * sbatch works through it on the one-node cluster, and an unreachable host is a clear error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { SlurmCommandError, SlurmCommands } from '../../../src/launcher/slurm/commands';
import { SlurmJobs } from '../../../src/launcher/slurm/job';

const SSHD = '/usr/sbin/sshd';
const ROOT = resolve(__dirname, '../../..');
const clusterUp = spawnSync(join(ROOT, 'scripts/slurm-cluster.sh'), ['status']).status === 0;
const skip = !existsSync(SSHD) && process.env.CI === undefined && 'no sshd (apt-get install openssh-server)';

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

describe('Slurm commands over ssh to a real sshd', { skip }, () => {
  let dir: string;
  let sshd: ChildProcess;
  let options: string[];
  let host: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fts-sshd-'));
    const port = await freePort();
    for (const [name, type] of [['host_key', 'ed25519'], ['client_key', 'ed25519']]) {
      const made = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', join(dir, name)], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
    }
    writeFileSync(join(dir, 'authorized_keys'), spawnSync('cat', [join(dir, 'client_key.pub')], { encoding: 'utf8' }).stdout, { mode: 0o600 });
    writeFileSync(
      join(dir, 'sshd_config'),
      [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, `PidFile ${join(dir, 'sshd.pid')}`,
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', 'StrictModes no', 'UsePAM no', 'LogLevel ERROR'].join('\n') + '\n',
    );
    // Privilege separation needs this folder; Debian makes it at service start, which this is not.
    mkdirSync('/run/sshd', { recursive: true });
    sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    sshd.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    host = `${userInfo().username}@127.0.0.1`;
    options = ['-p', String(port), '-i', join(dir, 'client_key'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=5'];
    // Wait until it accepts a login.
    for (let i = 0; ; i++) {
      if (spawnSync('ssh', ['-o', 'BatchMode=yes', ...options, host, 'true']).status === 0) break;
      if (i > 50) throw new Error(`sshd did not accept a login: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(() => {
    sshd?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('hostile arguments reach the remote command exactly, and none runs as shell syntax', async () => {
    const canary = join(dir, 'pwned');
    const hostile = ["it's", `$(touch ${canary})`, `\`touch ${canary}\``, `x; touch ${canary}`, `a && touch ${canary}`, '"double"', '\\back\\slash', '*', '$HOME', 'two  spaces', 'new\nline', '', '-n', '#comment', '~', '|', `> ${canary}`];
    const commands = new SlurmCommands({ sshHost: host, sshOptions: options });
    const { stdout } = await commands.run('printf', ['%s\\0', ...hostile]);
    assert.deepEqual(stdout.split('\0').slice(0, -1), hostile);
    assert.equal(existsSync(canary), false, 'an argument ran as a command');
  });

  test('sbatch and squeue on the "login node": a script path with a quote and a space', { skip: !clusterUp && process.env.FTS_REQUIRE_SLURM !== '1' && 'no Slurm cluster' }, async () => {
    const jobDir = join(dir, "it's a dir");
    mkdirSync(jobDir);
    const script = join(jobDir, 'job.sbatch');
    writeFileSync(script, '#!/bin/bash\necho ok\n');
    const jobs = new SlurmJobs(new SlurmCommands({ sshHost: host, sshOptions: options }));
    const id = await jobs.submit(script, ['--job-name=ssh test', `--output=${join(jobDir, 'out.txt')}`]);
    const ended = await jobs.waitForEnd(id, 30_000);
    assert.equal(ended[0].state, 'COMPLETED');
    assert.equal(spawnSync('cat', [join(jobDir, 'out.txt')], { encoding: 'utf8' }).stdout, 'ok\n');
  });

  test('an unreachable login node is a clear error naming the host and what to check', async () => {
    const closed = await freePort();
    const commands = new SlurmCommands({ sshHost: host, sshOptions: [...options.slice(2), '-p', String(closed)] });
    await assert.rejects(commands.run('sbatch', ['--parsable', '/x.sbatch']), (e: Error) => {
      assert.ok(e instanceof SlurmCommandError);
      assert.match(e.message, new RegExp(`^could not reach ${host.replace('.', '\\.')} over ssh to run sbatch: ssh: connect to host 127\\.0\\.0\\.1 port ${closed}: Connection refused\\. Check \`ssh_host\` in the cluster file`));
      return true;
    });
  });

  test('sbatch missing on the login node is said so', async () => {
    const commands = new SlurmCommands({ sshHost: host, sshOptions: options, binDir: '/nonexistent/bin' });
    await assert.rejects(commands.run('sbatch', ['--version']), /^Error: sbatch was not found on .*127\.0\.0\.1: .*\/nonexistent\/bin\/sbatch: No such file or directory/);
  });
});
