/**
 * procguard benchmark: `npm run bench` (builds first). Prints machine facts and
 * a table where every figure stands beside a baseline measured in the same
 * run, and writes everything to .bench/last.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { killAllChildren, pinBench } from './lib/procs.js';
import { coldStartRows, duplicateRows, lockRows, recoveryRows, shutdownRows, throughputRows } from './lib/rows.js';
import { assertBuilt, ROOT } from './lib/servers.js';
import { errorRow, renderTable, type Row } from './lib/table.js';
import { errorMessage, removeTempDirs } from './lib/util.js';
import { benchLock } from './scenarios/lock.js';
import { benchShutdown } from './scenarios/shutdown.js';
import { benchBareStart, benchColdStart, benchDuplicate, benchMinimalNestStart, benchNodeNoop, benchRecovery } from './scenarios/startup.js';
import { benchThroughput } from './scenarios/throughput.js';
import { benchSupervisor } from './scenarios/supervisor.js';
import { respawnApiRows, supervisorRows } from './lib/supervisor-rows.js';
import { benchRespawnApi } from './scenarios/respawn-api.js';
import { benchHistory } from './scenarios/history.js';
import { historyRows } from './lib/history-rows.js';
import { benchSse } from './scenarios/sse.js';
import { sseRows } from './lib/sse-rows.js';
import { benchPgFailover } from './scenarios/pg-failover.js';
import { pgFailoverRows } from './lib/pg-failover-rows.js';
import { benchMetrics } from './scenarios/metrics.js';
import { metricsRows } from './lib/metrics-rows.js';
import { benchDevLoop } from './scenarios/dev-loop.js';
import { devLoopRows } from './lib/dev-loop-rows.js';
import { benchOutputFlood } from './scenarios/output-flood.js';
import { outputFloodRows } from './lib/output-flood-rows.js';

/** `npm run bench -- sse history`: only the scenarios with these keys or ids (all when none). */
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));

/** Hard ceiling for the whole run; the brief asks for about three minutes. */
const WATCHDOG_MS = 10 * 60_000;

const cleanup = () => {
  killAllChildren();
  removeTempDirs();
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}, killing child processes`);
    cleanup();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${WATCHDOG_MS / 1000} s; giving up`);
  cleanup();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

const pinning = pinBench();

const machine = {
  pinning,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  date: new Date().toISOString(),
};

/** The commit measured, marked dirty when src/ has uncommitted changes. */
function gitRevision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 5000 }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' (src/ has uncommitted changes)' : ''}`;
  } catch {
    return 'unknown';
  }
}
const revision = gitRevision();

const results: Record<string, unknown> = {};
const rows: Row[] = [];
let failures = 0;

/** Runs one scenario; on failure records the error for its rows and carries on. */
async function scenario<T>(
  key: string,
  id: string,
  title: string,
  work: () => Promise<T>,
  toRows?: (result: T) => Row[],
): Promise<T | undefined> {
  if (only.length > 0 && !only.includes(key) && !only.includes(id)) return undefined;
  const t0 = performance.now();
  process.stderr.write(`  [${id}] ${title} ... `);
  try {
    const result = await work();
    results[key] = result;
    if (toRows) rows.push(...toRows(result));
    process.stderr.write(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    return result;
  } catch (error) {
    failures++;
    results[key] = { error: errorMessage(error) };
    if (toRows) rows.push(errorRow(id, title, errorMessage(error)));
    process.stderr.write(`FAILED: ${errorMessage(error).split('\n')[0]}\n`);
    killAllChildren();
    return undefined;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log('procguard benchmark');
  console.log(`  CPU     ${machine.cpu} (${machine.cores} cores)`);
  console.log(`  Memory  ${machine.totalMemoryGiB} GiB`);
  console.log(`  Node    ${machine.node} on ${machine.platform}`);
  console.log(`  Date    ${machine.date}`);
  console.log(`  Pinning ${machine.pinning}`);
  console.log(`  Commit  ${revision}`);
  console.log('  Note    servers on one core, this script and its load generator on the other (see Pinning);');
  console.log('          PROCESSES_CONFIG is pinned to an empty list for rows 1-6; row 7 drives the supervisor in-process.\n');
  assertBuilt();

  const noop = await scenario('nodeNoop', '0', 'baseline: node -e 0 spawn -> exit', () => benchNodeNoop(10));
  const bareStart = await scenario('bareHttpStart', '0', 'baseline: bare node:http spawn -> first 200', () =>
    benchBareStart(5),
  );
  await scenario('lock', '1', 'lock acquire+release x2000 (+ bare proper-lockfile)', () => benchLock(2000, 100), lockRows);
  const minimalNest = await scenario('minimalNestStart', '0', 'baseline: the smallest Nest app on Fastify spawn -> first 200', () =>
    benchMinimalNestStart(5),
  );
  const cold = await scenario('coldStart', '2', 'cold start', () => benchColdStart(5), (r) =>
    coldStartRows(r, noop, bareStart, minimalNest),
  );
  const recovery = await scenario('recoveryAfterKill9', '3', 'restart after kill -9', () => benchRecovery(5), (r) => recoveryRows(r, cold));
  await scenario('duplicateRefusal', '4', 'duplicate start refusal', () => benchDuplicate(10), (r) => duplicateRows(r, noop));
  await scenario('throughput', '5', 'throughput (autocannon, per path and server: 1 s warm-up, then 5 alternated 2 s rounds)', () => benchThroughput(2, 5, 1), throughputRows);
  await scenario('shutdown', '6', 'SIGTERM under keep-alive load and idle', () => benchShutdown(3), shutdownRows);
  await scenario('respawnApi', '7', 'the real server: kill -9 of an agent -> its replacement running on /api/events', () => benchRespawnApi(20), respawnApiRows);
  await scenario('supervisor', '7', 'supervisor: respawn, stop 100, statusAll 500, memory', () => benchSupervisor(20), supervisorRows);
  await scenario('history', '8', 'event log: crash loop, history p99, reconciler pass', () => benchHistory(3), historyRows);
  await scenario('sse', '9', 'memory and liveness with 10 non-reading /api/events clients over 200k events', () => benchSse(200_000, 10, 5), sseRows);
  await scenario('pgFailover', '10', 'PostgreSQL lock: kill -9 failover to a standby x5, heartbeat cost', () => benchPgFailover(5), (r) =>
    pgFailoverRows(r, recovery),
  );
  await scenario('metrics', '11', 'resource sampling over 500 groups, /api/metrics with 500 instances', () => benchMetrics(), metricsRows);
  await scenario('devLoop', '12', 'dev loop: npm run dev from a clean checkout, 3 saves', () => benchDevLoop(3), devLoopRows);
  await scenario('outputFlood', '13', 'a child running `yes`: backend CPU, its throughput, /live p99', () => benchOutputFlood(5), outputFloodRows);

  const durationSec = Math.round((performance.now() - started) / 100) / 10;
  console.log(`\n${renderTable(rows)}\n`);
  console.log(`Total bench time ${durationSec} s${failures > 0 ? `, ${failures} scenario(s) failed` : ''}.`);

  const outDir = join(ROOT, '.bench');
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, 'last.json');
  writeFileSync(outFile, `${JSON.stringify({ machine, revision, durationSec, failures, results, rows }, null, 2)}\n`);
  console.log(`Results written to ${outFile}`);
  if (failures > 0) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    clearTimeout(watchdog);
    cleanup();
  });
