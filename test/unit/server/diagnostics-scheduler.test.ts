import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiagnosticsScheduler, type DiagnosticsResult } from '../../../server/diagnostics-scheduler';

describe('DiagnosticsScheduler', () => {
  it('debounces: several changes give one computation of the latest version', async () => {
    let version = 1;
    let computed = 0;
    let published!: (r: DiagnosticsResult) => void;
    const publishedResult = new Promise<DiagnosticsResult>((resolve) => (published = resolve));
    const scheduler = new DiagnosticsScheduler({
      delayMs: 5,
      compute: () => ({ version, diagnostics: [{ message: `v${++computed}`, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] }),
      currentVersion: () => version,
      publish: (_uri, result) => published(result),
      onError: (_uri, error) => assert.fail(String(error)),
    });
    for (let v = 1; v <= 5; v++) {
      version = v;
      scheduler.schedule('file:///a');
    }
    const result = await publishedResult;
    assert.equal(result.version, 5);
    assert.equal(computed, 1);
    scheduler.dispose();
  });

  it('drops a result computed for a version that is no longer current', async () => {
    let version = 1;
    let finish!: () => void;
    const publishedVersions: number[] = [];
    const scheduler = new DiagnosticsScheduler({
      delayMs: 0,
      compute: () => {
        const computedFor = version;
        return new Promise<DiagnosticsResult>((resolve) => (finish = () => resolve({ version: computedFor, diagnostics: [] })));
      },
      currentVersion: () => version,
      publish: (_uri, result) => publishedVersions.push(result.version),
      onError: (_uri, error) => assert.fail(String(error)),
    });
    const run = scheduler.run('file:///a');
    version = 2; // the user typed while the computation was in flight
    finish();
    assert.equal(await run, false);
    assert.deepEqual(publishedVersions, []);
    const again = scheduler.run('file:///a');
    finish();
    assert.equal(await again, true);
    assert.deepEqual(publishedVersions, [2]);
  });

  it('reports a failing computation instead of throwing', async () => {
    const errors: unknown[] = [];
    const scheduler = new DiagnosticsScheduler({
      delayMs: 0,
      compute: () => {
        throw new Error('boom');
      },
      currentVersion: () => 1,
      publish: () => assert.fail('nothing to publish'),
      onError: (_uri, error) => errors.push(error),
    });
    assert.equal(await scheduler.run('file:///a'), false);
    assert.equal(errors.length, 1);
  });
});
