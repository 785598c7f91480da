const MAX_DISTANCE = 2;

/**
 * The candidate closest to `given` within two edits, or null. Case, `_` and `-` are ignored
 * when measuring, so `stop_signal` finds `stopSignal`; among close ones, a candidate written
 * in the same style (snake_case or not) wins, then the nearer one, then the nearer as spelt.
 */
export function didYouMean(given: string, candidates: readonly string[]): string | null {
  let best: { candidate: string; rank: number[] } | null = null;
  for (const candidate of candidates) {
    const distance = editDistance(normalise(given), normalise(candidate));
    if (distance > MAX_DISTANCE) continue;
    const otherStyle = given.includes('_') === candidate.includes('_') ? 0 : 1;
    const rank = [otherStyle, distance, editDistance(given.toLowerCase(), candidate.toLowerCase())];
    if (!best || isLower(rank, best.rank)) best = { candidate, rank };
  }
  return best?.candidate ?? null;
}

function isLower(a: readonly number[], b: readonly number[]): boolean {
  const i = a.findIndex((value, j) => value !== b[j]);
  return i !== -1 && a[i] < b[i];
}

function normalise(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '');
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}
