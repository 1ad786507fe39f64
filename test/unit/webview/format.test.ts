import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMetric, formatTicks } from '../../../webview/format';

test('metric values: 4 significant digits, exponents for tiny and huge values', () => {
  assert.equal(formatMetric(0.123456), '0.1235');
  assert.equal(formatMetric(0.00002), '2e-5');
  assert.equal(formatMetric(Number.NaN), 'NaN');
});

test('axis ticks get just enough digits to stay distinct', () => {
  assert.deepEqual(formatTicks([0.2, 0.4, 0.6]), ['0.2', '0.4', '0.6']);
  // A learning rate that barely moves: 3 digits would print 1e-3 twice.
  const ticks = formatTicks([0.0009994, 0.0009996, 0.0009998, 0.001]);
  assert.equal(new Set(ticks).size, 4);
  assert.deepEqual(formatTicks([null, 1, 2]), ['', '1', '2']);
});
