import type { LockResult } from '../scenarios/lock.js';
import type { ShutdownResult } from '../scenarios/shutdown.js';
import type { ColdStartResult, DuplicateResult, RecoveryResult, Runs } from '../scenarios/startup.js';
import type { ThroughputResult } from '../scenarios/throughput.js';
import { delta, ms, percent, ratio, type Row } from './table.js';

const NA = Number.NaN;
const med = (r: Runs | undefined) => r?.medianMs ?? NA;

export function lockRows(r: LockResult): Row[] {
  const row = (stat: 'mean' | 'p50' | 'p99'): Row => ({
    id: '1',
    measurement: `Lock acquire+release incl. PID file, ${stat} (n=${r.iterations})`,
    value: ms(r.procguard[stat], 3),
    baselineName: 'bare proper-lockfile lock+release',
    baseline: ms(r.bareProperLockfile[stat], 3),
    comparison: ratio(r.procguard[stat], r.bareProperLockfile[stat]),
    target: '',
    met: null,
  });
  return [row('mean'), row('p50'), row('p99')];
}

export function coldStartRows(r: ColdStartResult, noop?: Runs, bare?: Runs, nest?: Runs): Row[] {
  const measurement = `Cold start: spawn -> first 200 /ready, median of ${r.runsMs.length}`;
  const overBare = r.medianMs / med(bare);
  return [
    {
      id: '2',
      measurement,
      value: ms(r.medianMs),
      baselineName: `bare node:http spawn -> first 200${bare ? ` (median of ${bare.runsMs.length})` : ''}`,
      baseline: ms(med(bare)),
      comparison: `${delta(r.medianMs, med(bare))} (${ratio(r.medianMs, med(bare))})`,
      target: '<= 4x bare (issue 12)',
      met: Number.isFinite(overBare) ? overBare <= 4 : null,
    },
    {
      id: '2',
      measurement,
      value: ms(r.medianMs),
      baselineName: `the smallest Nest app on Fastify, spawn -> first 200${nest ? ` (median of ${nest.runsMs.length})` : ''}`,
      baseline: ms(med(nest)),
      comparison: `${delta(r.medianMs, med(nest))} (${ratio(r.medianMs, med(nest))}); the framework alone is ${ratio(med(nest), med(bare))} bare`,
      target: '',
      met: null,
    },
    {
      id: '2',
      measurement,
      value: ms(r.medianMs),
      baselineName: `node -e 0 spawn -> exit${noop ? ` (median of ${noop.runsMs.length})` : ''}`,
      baseline: ms(med(noop)),
      comparison: `${delta(r.medianMs, med(noop))} (${ratio(r.medianMs, med(noop))})`,
      target: '',
      met: null,
    },
  ];
}

export function recoveryRows(r: RecoveryResult, cold?: ColdStartResult): Row[] {
  const diff = r.medianMs - med(cold);
  return [
    {
      id: '3',
      measurement: `Restart after kill -9 -> ready, median of ${r.runsMs.length} (stale lock broken ${r.staleLockBroken}/${r.runsMs.length})`,
      value: ms(r.medianMs),
      baselineName: 'cold start median (row 2)',
      baseline: ms(med(cold)),
      comparison: delta(r.medianMs, med(cold)),
      target: '<= cold start + 100 ms',
      met: Number.isFinite(diff) ? diff <= 100 : null,
    },
  ];
}

export function duplicateRows(r: DuplicateResult, noop?: Runs): Row[] {
  const allThree = r.exitCodes.every((c) => c === 3);
  return [
    {
      id: '4',
      measurement: `Duplicate start refused (exit ${allThree ? '3' : r.exitCodes.join('/')}), spawn -> exit, median of ${r.runsMs.length}`,
      value: ms(r.medianMs),
      baselineName: 'node -e 0 spawn -> exit',
      baseline: ms(med(noop)),
      comparison: ratio(r.medianMs, med(noop)),
      target: '<= 1.5x',
      met: noop ? allThree && r.holderStillReady && r.medianMs <= 1.5 * noop.medianMs : null,
    },
  ];
}

export function throughputRows(r: ThroughputResult): Row[] {
  const rows: Row[] = [];
  for (const e of r.endpoints) {
    const live = e.path.endsWith('/live');
    const floor = live ? 0.8 : 0.5;
    const errs = e.procguard.errors + e.procguard.non2xx;
    const setup = `${r.connections} conn, median of ${r.rounds} alternated ${r.durationSec} s rounds`;
    rows.push({
      id: '5',
      measurement: `GET ${e.path} req/s (${setup}${errs > 0 ? `, ${errs} errors/non-2xx` : ''})`,
      value: `${e.procguard.requestsPerSec}`,
      baselineName: 'bare node:http, same JSON body',
      baseline: `${e.bare.requestsPerSec}`,
      comparison: percent(e.procguard.requestsPerSec, e.bare.requestsPerSec),
      target: `>= ${floor * 100} %`,
      met: errs === 0 && e.procguard.requestsPerSec >= floor * e.bare.requestsPerSec,
    });
    rows.push({
      id: '5',
      measurement: `GET ${e.path} p99 latency`,
      value: ms(e.procguard.latencyP99Ms, 0),
      baselineName: 'bare node:http, same JSON body',
      baseline: ms(e.bare.latencyP99Ms, 0),
      comparison: ratio(e.procguard.latencyP99Ms, e.bare.latencyP99Ms),
      target: '<= 3x',
      met: e.procguard.latencyP99Ms <= 3 * Math.max(e.bare.latencyP99Ms, 1),
    });
  }
  return rows;
}

export function shutdownRows(r: ShutdownResult): Row[] {
  const ours = r.underLoad.procguard;
  const bare = r.underLoad.bare;
  const base = 'bare node:http, server.close() on SIGTERM';
  const load = `SIGTERM under ${r.connections} keep-alive conns`;
  const plain = (measurement: string, value: string, baseline: string, extra: Partial<Row> = {}): Row => ({
    id: '6',
    measurement,
    value,
    baselineName: base,
    baseline,
    comparison: '',
    target: '',
    met: null,
    ...extra,
  });
  return [
    plain(`${load}: reset requests (sent, then ECONNRESET)`, `${ours.resetRequests}`, `${bare.resetRequests}`, {
      comparison: `${ours.resetRequests - bare.resetRequests >= 0 ? '+' : ''}${ours.resetRequests - bare.resetRequests}`,
      target: '0',
      met: ours.resetRequests === 0,
    }),
    plain(`${load}: responses after SIGTERM`, `${ours.completedAfterSigterm}`, `${bare.completedAfterSigterm}`),
    plain(`${load}: responses in total (non-200: ${ours.non200})`, `${ours.completed}`, `${bare.completed}`),
    plain(`${load}: refused connections (nothing lost)`, `${ours.refusedConnections}`, `${bare.refusedConnections}`),
    plain(`${load}: exit code`, `${ours.exitCode ?? ours.exitSignal}`, `${bare.exitCode ?? bare.exitSignal}`, {
      target: '0',
      met: ours.exitCode === 0,
    }),
    plain(`${load}: SIGTERM -> exit`, ms(ours.sigtermToExitMs), ms(bare.sigtermToExitMs), {
      comparison: delta(ours.sigtermToExitMs, bare.sigtermToExitMs),
    }),
    plain(
      `Idle SIGTERM -> exit, median of ${r.idle.procguard.runsMs.length} (exit ${[...new Set(r.idle.procguard.exitCodes)].join('/')})`,
      ms(r.idle.procguard.medianMs),
      ms(r.idle.bare.medianMs),
      {
        comparison: delta(r.idle.procguard.medianMs, r.idle.bare.medianMs),
        target: '< 300 ms',
        met: r.idle.procguard.medianMs < 300 && r.idle.procguard.exitCodes.every((c) => c === 0),
      },
    ),
  ];
}
