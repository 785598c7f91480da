import type { Database } from 'better-sqlite3';

/**
 * Makes a real SQLite database full: caps it at its current page count, then has
 * `insert(i, padding)` add rows (shorter and shorter padding) until SQLite answers
 * SQLITE_FULL even for the smallest, so the table's pages hold no slack either.
 * Returns `free()`, which lifts the cap again (space is back).
 */
export function fillDatabase(db: Database, insert: (i: number, padding: string) => void): () => void {
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  let i = 0;
  for (const size of [2000, 200, 20, 1]) {
    for (;;) {
      try {
        insert(i++, 'p'.repeat(size));
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_FULL') break;
        throw error;
      }
    }
  }
  return () => db.pragma('max_page_count = 1073741823');
}
