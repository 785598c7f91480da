/** One line of the results table: a figure beside the baseline measured in the same run. */
export interface Row {
  readonly id: string;
  readonly measurement: string;
  readonly value: string;
  readonly baselineName: string;
  readonly baseline: string;
  /** Ratio or difference to the baseline. */
  readonly comparison: string;
  readonly target: string;
  /** true: target met; false: missed; null: no target. */
  readonly met: boolean | null;
  readonly error?: string;
}

export function errorRow(id: string, measurement: string, error: string): Row {
  return { id, measurement, value: 'ERROR', baselineName: '', baseline: '', comparison: '', target: '', met: null, error };
}

const HEADERS = ['#', 'Measurement', 'procguard', 'Baseline (same run)', 'Baseline', 'vs baseline', 'Target', 'Met'];

function cells(row: Row): string[] {
  const met = row.met === null ? (row.error ? '!' : '') : row.met ? 'yes' : 'NO';
  return [row.id, row.measurement, row.value, row.baselineName, row.baseline, row.comparison, row.target, met];
}

/** Plain-text table, plus the error text of failed rows underneath. */
export function renderTable(rows: readonly Row[]): string {
  const grid = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, c) => Math.max(...grid.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c])).join(' | ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const out = [line(HEADERS), rule, ...rows.map((r) => line(cells(r)))];
  const failed = rows.filter((r) => r.error);
  if (failed.length > 0) {
    out.push('', 'Errors:');
    for (const r of failed) out.push(`  [${r.id}] ${r.measurement}: ${r.error!.replace(/\n/g, '\n      ')}`);
  }
  return out.join('\n');
}

export const ms = (value: number, digits = 1) => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : 'n/a');
export const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}x` : 'n/a');
export const percent = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${((a / b) * 100).toFixed(0)} %` : 'n/a');
export const delta = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) ? `${a - b >= 0 ? '+' : '-'}${Math.abs(a - b).toFixed(1)} ms` : 'n/a';
