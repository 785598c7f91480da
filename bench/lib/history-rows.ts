import type { HistoryResult } from '../scenarios/history.js';
import { ms, ratio, type Row } from './table.js';

const perSec = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)}/s` : 'n/a');

export function historyRows(r: HistoryResult): Row[] {
  return [
    {
      id: '8',
      measurement: 'Events written under a crash loop (`false`, backoff 0, SQLite + JSON lines)',
      value: `${perSec(r.eventsPerSec)} (${perSec(r.restartsPerSec)} restarts)`,
      baselineName: 'bare spawn -> exit of `false`, one at a time',
      baseline: perSec(r.bareCyclesPerSec),
      comparison: ratio(r.restartsPerSec, r.bareCyclesPerSec),
      target: '',
      met: null,
    },
    {
      id: '8',
      measurement: 'History page (50 of 1000 retained, 20k rows) p50 / p99',
      value: `${ms(r.historyP50Ms, 3)} / ${ms(r.historyP99Ms, 3)}`,
      baselineName: 'SELECT 1 on the same connection, p99',
      baseline: ms(r.trivialQueryP99Ms, 3),
      comparison: ratio(r.historyP99Ms, r.trivialQueryP99Ms),
      target: '',
      met: null,
    },
    {
      id: '8',
      measurement: 'Reconciler pass over 500 declared processes, median',
      value: ms(r.reconcilePassMs, 3),
      baselineName: "statusAll('*') over the same 500",
      baseline: ms(r.statusAllMs, 3),
      comparison: ratio(r.reconcilePassMs, r.statusAllMs),
      target: '',
      met: null,
    },
  ];
}
