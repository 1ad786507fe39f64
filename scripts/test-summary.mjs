// Reading test counts and deciding which skips are acceptable, for scripts/run-tests.mjs.
// Pure functions over text, so the rules that make CI fail are unit-tested
// (test/unit/scripts/test-summary.test.ts).

/**
 * Skips that say something about the machine, not about a broken setup: they are allowed even
 * in strict mode. Every other skip (no WebGPU adapter, no Chromium, no reference Python) means a
 * suite that must run did not, and fails a strict run.
 */
export const ALLOWED_SKIPS = [
  { reason: /@tensorflow\/tfjs-node is installed here/, why: 'the test checks the error shown when tfjs-node is absent' },
  { reason: /one logical core/, why: 'thread tests need two cores' },
  { reason: /needs \/dev\/full/, why: 'the full-disk test needs Linux /dev/full' },
  { reason: /^root writes anywhere/, why: 'a permission test cannot fail as root (CI runs as root); the /proc case covers it' },
];

/**
 * Counts from a node:test TAP report. `skips` lists every skipped or todo test and suite with
 * its reason; `skipped` is their number, or the summary's `# skipped` + `# todo` when larger
 * (a skipped suite's own tests are in neither, so the lines are the fuller account).
 */
export function readTap(tap) {
  const summary = (key) => Number((tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  const skips = [];
  for (const match of tap.matchAll(/^\s*(?:not )?ok \d+ - (.*?) # (SKIP|TODO)\b ?(.*)$/gim)) {
    skips.push({ name: match[1], kind: match[2].toLowerCase() === 'todo' ? 'todo' : 'skip', reason: match[3].trim() });
  }
  return {
    passed: summary('pass'),
    failed: summary('fail') + summary('cancelled'),
    skipped: Math.max(skips.length, summary('skipped') + summary('todo')),
    skips,
  };
}

/** The integration launcher's closing line: `integration: N passed, N failed[, N skipped]`. */
export function readIntegrationLine(text) {
  const match = /^integration: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m.exec(text);
  if (!match) return undefined;
  return { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3] ?? 0) };
}

/**
 * Which skips fail the run. `noSkips` (FTS_NO_SKIPS=1): every one. `strict` (FTS_STRICT_SKIPS=1,
 * set by .ci/run): those whose reason is not in ALLOWED_SKIPS, and any skipped count no named
 * skip accounts for (integration pending tests). Otherwise none: a developer machine without
 * lavapipe or Chromium still runs, and the closing line shows what was skipped.
 */
export function unexpectedSkips({ skipped, skips }, { strict = false, noSkips = false } = {}) {
  if (noSkips) {
    const unnamed = Math.max(0, skipped - skips.length);
    return [...skips.map(describeSkip), ...(unnamed > 0 ? [`${unnamed} skipped test(s) without a name`] : [])];
  }
  if (!strict) return [];
  const allowed = skips.filter((s) => s.kind === 'skip' && ALLOWED_SKIPS.some((a) => a.reason.test(s.reason)));
  const found = skips.filter((s) => !allowed.includes(s)).map(describeSkip);
  const unnamed = Math.max(0, skipped - skips.length);
  if (unnamed > 0) found.push(`${unnamed} skipped test(s) without a name (integration pending tests)`);
  return found;
}

function describeSkip(s) {
  return `${s.name} (${s.kind}${s.reason ? `: ${s.reason}` : ''})`;
}

/** The closing line the harness reads: `N passed, N failed, N skipped`. */
export function closingLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}
