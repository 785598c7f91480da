import type { RespawnApiResult } from '../scenarios/respawn-api.js';
import type { SupervisorResult } from '../scenarios/supervisor.js';
import { ms, ratio, type Row } from './table.js';

const kib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : 'n/a');
const us = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} µs` : 'n/a');

export function supervisorRows(r: SupervisorResult): Row[] {
  return [
    {
      id: '7',
      measurement: `Child kill -9 -> replacement running, the supervisor in the bench process, median of ${r.respawnMs.length}`,
      value: ms(r.respawnMedianMs),
      baselineName: 'bare `sleep`: kill -9, exit event, spawn again',
      baseline: ms(r.bareRespawnMedianMs),
      comparison: ratio(r.respawnMedianMs, r.bareRespawnMedianMs),
      target: '',
      met: null,
    },
    {
      id: '7',
      measurement: 'Stop 100 children (group SIGTERM, wait exit, group gone)',
      value: ms(r.stop100Ms),
      baselineName: '100 bare `sleep`: kill(-pgid) + await exit',
      baseline: ms(r.bareStop100Ms),
      comparison: ratio(r.stop100Ms, r.bareStop100Ms),
      target: '',
      met: null,
    },
    {
      id: '7',
      measurement: "statusAll('*') over 500 declared processes, median",
      value: us(r.statusAll500Us),
      baselineName: 'copying 500 plain objects',
      baseline: us(r.bareCopy500Us),
      comparison: ratio(r.statusAll500Us, r.bareCopy500Us),
      target: '',
      met: null,
    },
    {
      id: '7',
      measurement: 'Heap per managed process: declared / running',
      value: `${kib(r.bytesPerDeclared)} / ${kib(r.bytesPerRunning)}`,
      baselineName: '',
      baseline: '',
      comparison: '',
      target: '',
      met: null,
    },
  ];
}

/** Row 7 as the issue defines it: the real server, the replacement seen on its API. */
export function respawnApiRows(r: RespawnApiResult): Row[] {
  return [
    {
      id: '7',
      measurement: `Child kill -9 -> replacement \`running\` on /api/events (backoff 0 ms), median of ${r.respawnMs.length}`,
      value: ms(r.respawnMedianMs),
      baselineName: 'a fresh `node`: kill -9 a bare `sleep`, exit event, spawn again',
      baseline: ms(r.bareRespawnMedianMs),
      comparison: ratio(r.respawnMedianMs, r.bareRespawnMedianMs),
      target: '<= 20 ms',
      met: r.respawnMedianMs <= 20,
    },
  ];
}
