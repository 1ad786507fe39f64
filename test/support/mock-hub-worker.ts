/**
 * Runs the mock Hub in a worker thread, for tests that block the main thread while Python
 * (spawned synchronously by runPython) talks to it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startMockHub, type MockRepoSpec } from './mock-hub';

const { specs } = workerData as { specs: MockRepoSpec[] };
void startMockHub(specs).then((hub) => {
  parentPort?.postMessage({ url: hub.url });
  parentPort?.once('message', () => {
    void hub.close().then(() => parentPort?.close());
  });
});
