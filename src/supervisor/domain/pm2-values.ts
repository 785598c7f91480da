// PM2's value formats (lib/API/schema.json): times as ms or "<n>h|m|s", sizes as bytes or "<n>K|M|G".

const TIME_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/**
 * Milliseconds from a PM2 time: a number of ms, or a string of digits with an optional unit
 * (`"10s"`, `"1m"`, `"2h"`, `"500ms"`, `"5000"`). Null when the value is neither.
 */
export function pm2Millis(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d{1,12})\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) return null;
  return Number(match[1]) * TIME_UNITS[match[2] ?? ''];
}

/** Bytes from a PM2 size: a number of bytes, or digits with K, M or G (powers of 1024), e.g. `"200M"`. */
export function pm2Bytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d{1,12})\s*([KMG])?B?\s*$/i.exec(value);
  if (!match) return null;
  const bytes = Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toUpperCase()];
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

/**
 * PM2's `args`/`node_args` string, split as a shell would split words: on spaces, with
 * '…' and "…" keeping spaces together (`--name "my app"` is two arguments).
 */
export function splitPm2Args(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = null;
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) args.push(current);
  return args;
}
