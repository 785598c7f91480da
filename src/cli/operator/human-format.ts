/** Output for people: aligned columns, relative times, sizes; colour only on a terminal. */

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], paint: Paint = plain): string {
  const width = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(width[i] - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [paint.bold(line(header)), ...rows.map(line)].join('\n') + '\n';
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/** "3s", "5m 2s", "2h 10m", "4d 3h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** "12s ago", "3m 4s ago"; "in 2s" for a time still to come. */
export function ago(iso: string, now = Date.now()): string {
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return ms < 0 ? `in ${duration(-ms / 1000)}` : `${duration(ms / 1000)} ago`;
}

/** 1536 -> "1.5 KiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export interface Paint {
  bold(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  dim(text: string): string;
}

const plain: Paint = { bold: (t) => t, green: (t) => t, yellow: (t) => t, red: (t) => t, dim: (t) => t };
const ansi = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const coloured: Paint = { bold: ansi(1), green: ansi(32), yellow: ansi(33), red: ansi(31), dim: ansi(2) };

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function paintFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Paint {
  return stream.isTTY && !env.NO_COLOR && env.TERM !== 'dumb' ? coloured : plain;
}

/** A process state in its colour: running green, failing red, moving yellow. */
export function paintState(state: string, paint: Paint): string {
  if (state === 'running') return paint.green(state);
  if (state === 'failed' || state === 'backoff') return paint.red(state);
  if (state === 'stopped') return paint.dim(state);
  return paint.yellow(state);
}
