const MAX_DISTANCE = 2;

/**
 * The candidate closest to `given` within two edits, or null. Case, `_` and `-` are ignored
 * first, so `stop_signal` finds `stopSignal`; a tie goes to the closer spelling as written.
 */
export function didYouMean(given: string, candidates: readonly string[]): string | null {
  let best: { candidate: string; score: number; exact: number } | null = null;
  for (const candidate of candidates) {
    const score = editDistance(normalise(given), normalise(candidate));
    if (score > MAX_DISTANCE) continue;
    const exact = editDistance(given.toLowerCase(), candidate.toLowerCase());
    if (!best || score < best.score || (score === best.score && exact < best.exact)) {
      best = { candidate, score, exact };
    }
  }
  return best?.candidate ?? null;
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
