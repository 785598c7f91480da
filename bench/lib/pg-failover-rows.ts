import type { PgFailoverResult } from '../scenarios/pg-failover.js';
import type { RecoveryResult } from '../scenarios/startup.js';
import { ms, ratio, type Row } from './table.js';

/** Row 10: failover across "hosts" on the PostgreSQL lock, beside the file lock's restart after kill -9. */
export function pgFailoverRows(r: PgFailoverResult, recovery?: RecoveryResult): Row[] {
  const consecutive = r.tokens.every((t, i) => i === 0 || Number(t) === Number(r.tokens[i - 1]) + 1);
  return [
    {
      id: '10',
      measurement: `PG lock: kill -9 of the active -> standby's agent running, median of ${r.runsMs.length} (tokens ${r.tokens.join(',')})`,
      value: ms(r.medianMs),
      baselineName: 'file lock: restart after kill -9 -> ready (row 3)',
      baseline: recovery ? ms(recovery.medianMs) : 'n/a',
      comparison: recovery ? ratio(r.medianMs, recovery.medianMs) : '',
      target: '<= 1 s, tokens +1 each',
      met: r.medianMs <= 1000 && consecutive,
    },
    {
      id: '10',
      measurement: 'PG lock: one heartbeat query (pg_locks), median of 300',
      value: ms(r.heartbeatMs, 3),
      baselineName: 'SELECT 1 on the same connection',
      baseline: ms(r.select1Ms, 3),
      comparison: ratio(r.heartbeatMs, r.select1Ms),
      target: '',
      met: null,
    },
  ];
}
