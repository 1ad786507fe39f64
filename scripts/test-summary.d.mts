// Types for scripts/test-summary.mjs (plain JavaScript, so run-tests.mjs runs without tsx).
export interface SkippedTest {
  name: string;
  kind: 'skip' | 'todo';
  reason: string;
}
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}
export interface TapCounts extends Counts {
  skips: SkippedTest[];
}
export declare const ALLOWED_SKIPS: readonly { reason: RegExp; why: string }[];
export declare function readTap(tap: string): TapCounts;
export declare function readIntegrationLine(text: string): Counts | undefined;
export declare function unexpectedSkips(counts: { skipped: number; skips: readonly SkippedTest[] }, options?: { strict?: boolean; noSkips?: boolean }): string[];
export declare function closingLine(counts: Counts): string;
