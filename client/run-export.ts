/**
 * The dashboard's Export: the selected runs' logged values as one CSV table (the same table as
 * `finetune-studio export --format csv`) and each chart as the PNG the webview drew. No vscode
 * import: the panel asks where, this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartImage } from '../src/protocol/webview';
import { exportTable, loadRuns } from '../src/trainer/reporting/export';

export const EXPORT_TABLE_FILE = 'scalars.csv';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Writes `scalars.csv` and `<metric>.png` per chart into `folder`; returns the files written. */
export async function writeRunsExport(folder: string, runDirs: readonly string[], charts: readonly ChartImage[]): Promise<string[]> {
  const runs = await loadRuns(runDirs);
  const images = charts.map((chart) => {
    const bytes = Buffer.from(chart.png.slice(chart.png.indexOf(',') + 1), 'base64');
    if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`the ${chart.metric} chart image is not a PNG`);
    return { file: join(folder, `${chart.metric}.png`), bytes };
  });
  mkdirSync(folder, { recursive: true });
  const table = join(folder, EXPORT_TABLE_FILE);
  writeFileSync(table, exportTable(runs, 'csv'));
  for (const image of images) writeFileSync(image.file, image.bytes);
  return [table, ...images.map((i) => i.file)];
}
