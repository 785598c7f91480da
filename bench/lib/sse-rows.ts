import type { SseResult } from '../scenarios/sse.js';
import { delta, ms, ratio, type Row } from './table.js';

const mib = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} MiB` : 'n/a');

export function sseRows(r: SseResult): Row[] {
  const held = `${r.clients} clients holding /api/events from id 0 (${r.storedEvents / 1000}k stored), never reading`;
  const baselineName = 'same server, same store, no SSE client';
  return [
    {
      id: '9',
      measurement: `Backend RSS (peak over ${r.sampleSec} s), ${held}`,
      value: mib(r.withClients.peakRssMiB),
      baselineName,
      baseline: mib(r.baseline.peakRssMiB),
      comparison: delta(r.withClients.peakRssMiB, r.baseline.peakRssMiB).replace(/ ms/g, ' MiB'),
      target: 'bounded (< baseline + 100 MiB)',
      met: r.withClients.peakRssMiB < r.baseline.peakRssMiB + 100,
    },
    {
      id: '9',
      measurement: `GET /api/health/live p99, sequential keep-alive (n=${r.withClients.liveRequests}), ${held}`,
      value: `${ms(r.withClients.liveP99Ms, 2)}${r.withClients.liveTimeouts > 0 ? ` (${r.withClients.liveTimeouts} timed out at 10 s)` : ''}`,
      baselineName: `${baselineName} (n=${r.baseline.liveRequests})`,
      baseline: ms(r.baseline.liveP99Ms, 2),
      comparison: ratio(r.withClients.liveP99Ms, r.baseline.liveP99Ms),
      target: '',
      met: null,
    },
    {
      id: '9',
      measurement: 'Held slow clients dropped (SSE_SLOW_CLIENT_TIMEOUT_MS = sample + 5 s), after the phase',
      value: r.slotFreedAfterMs === null ? 'not within 60 s' : ms(r.slotFreedAfterMs, 0),
      baselineName: '',
      baseline: '',
      comparison: '',
      target: 'dropped',
      met: r.slotFreedAfterMs !== null,
    },
  ];
}
