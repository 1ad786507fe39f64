/**
 * The extension's settings (`finetuneStudio.*`), typed and read in one place, re-read when the
 * configuration changes (as rust-analyzer's Config does), so that a changed `stopGraceSeconds`
 * applies to the next stop, not the next activation. No vscode import: the extension passes a
 * reader over `workspace.getConfiguration` and calls `reload` from `onDidChangeConfiguration`.
 */

export const SETTINGS_SECTION = 'finetuneStudio';

export const BACKEND_SETTINGS = ['auto', 'tensorflow', 'tensorflow-gpu', 'webgpu', 'wasm', 'cpu'] as const;

export interface StudioSettings {
  /** TensorFlow.js backend for runs started from the editor; `auto` uses the config's. */
  backend: (typeof BACKEND_SETTINGS)[number];
  /** Seconds a stopping trainer gets to write its checkpoint before it is killed (≥ 1). */
  stopGraceSeconds: number;
  openDashboardOnStart: boolean;
}

export const DEFAULT_SETTINGS: Readonly<StudioSettings> = { backend: 'auto', stopGraceSeconds: 30, openDashboardOnStart: true };

/** Reads one key of the section (`workspace.getConfiguration(SETTINGS_SECTION).get`). */
export type SettingsReader = (key: keyof StudioSettings) => unknown;

/**
 * Typed settings from raw values. A value of the wrong type or out of range falls back to the
 * default, with a line saying so (settings.json is hand-edited; package.json's schema only warns).
 */
export function readSettings(read: SettingsReader): { settings: StudioSettings; problems: string[] } {
  const problems: string[] = [];
  const pick = <K extends keyof StudioSettings>(key: K, valid: (v: unknown) => v is StudioSettings[K], expected: string): StudioSettings[K] => {
    const value = read(key);
    if (value === undefined) return DEFAULT_SETTINGS[key];
    if (valid(value)) return value;
    problems.push(`${SETTINGS_SECTION}.${key}: ${JSON.stringify(value)} is not ${expected}; using ${JSON.stringify(DEFAULT_SETTINGS[key])}.`);
    return DEFAULT_SETTINGS[key];
  };
  return {
    settings: {
      backend: pick('backend', (v): v is StudioSettings['backend'] => (BACKEND_SETTINGS as readonly unknown[]).includes(v), `one of ${BACKEND_SETTINGS.join(', ')}`),
      stopGraceSeconds: pick('stopGraceSeconds', (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 1, 'a number of seconds ≥ 1'),
      openDashboardOnStart: pick('openDashboardOnStart', (v): v is boolean => typeof v === 'boolean', 'true or false'),
    },
    problems,
  };
}

export type SettingsListener = (settings: Readonly<StudioSettings>, changed: readonly (keyof StudioSettings)[]) => void;

/** The current settings, re-read on `reload`; listeners hear which keys changed. */
export class Settings {
  private value: StudioSettings;
  private readonly listeners = new Set<SettingsListener>();

  constructor(
    private readonly read: SettingsReader,
    private readonly report: (problem: string) => void = () => {},
  ) {
    this.value = this.load();
  }

  get current(): Readonly<StudioSettings> {
    return this.value;
  }

  /** Re-reads every key; notifies listeners when any changed. Returns the changed keys. */
  reload(): (keyof StudioSettings)[] {
    const next = this.load();
    const changed = (Object.keys(next) as (keyof StudioSettings)[]).filter((key) => next[key] !== this.value[key]);
    this.value = next;
    if (changed.length > 0) for (const listener of [...this.listeners]) listener(next, changed);
    return changed;
  }

  onDidChange(listener: SettingsListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private load(): StudioSettings {
    const { settings, problems } = readSettings(this.read);
    for (const problem of problems) this.report(problem);
    return settings;
  }
}
