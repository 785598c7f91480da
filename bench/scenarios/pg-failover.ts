import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startPostgres } from '../../test/support/postgres.js';
import { spawnNode, type Proc } from '../lib/procs.js';
import { MAIN, procguardEnv, ROOT } from '../lib/servers.js';
import type { Runs } from './startup.js';
import { delay, freePort, makeTempDir, withTimeout } from '../lib/util.js';
import { median, round } from '../lib/stats.js';

const runs = (values: number[]): Runs => ({ runsMs: values.map((v) => round(v, 2)), medianMs: round(median(values), 2) });

export interface PgFailoverResult extends Runs {
  /** Fencing tokens of the standbys that took over, in order (each one more than the last). */
  readonly tokens: string[];
  /** Median round trip of the active's heartbeat query, and of `SELECT 1`, in ms (a private local cluster). */
  readonly heartbeatMs: number;
  readonly select1Ms: number;
}

const AGENT = join(ROOT, 'test', 'fixtures', 'fenced-agent.mjs');

/** The live agent PIDs the hosts left in `dir` (fenced-agent writes one file per agent). */
function liveAgents(dir: string): number[] {
  return readdirSync(dir)
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]!);
      } catch {
        return false;
      }
    });
}

async function waitUntil<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(2);
  }
}

async function lockOf(port: number): Promise<{ role?: string; fencingToken?: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/health`);
    return ((await res.json()) as { details?: { lock?: { role?: string; fencingToken?: string } } }).details?.lock;
  } catch {
    return undefined;
  }
}

/**
 * kill -9 of the active host -> the standby's agent running, `reps` times (each
 * standby becomes the active of the next round), on a private PostgreSQL cluster;
 * then the cost of one heartbeat query beside `SELECT 1`.
 */
export async function benchPgFailover(reps = 5): Promise<PgFailoverResult> {
  const db = await startPostgres();
  const agents = makeTempDir('pg-failover-agents');
  const key = `bench-${process.pid}`;
  const host = async (label: string): Promise<{ proc: Proc; port: number }> => {
    const dataDir = makeTempDir('pg-failover');
    writeFileSync(join(dataDir, 'bench-processes.yaml'), `processes:\n  - name: worker\n    command: node\n    args: ["${AGENT}", "${agents}"]\n`);
    const port = await freePort();
    const env = { ...procguardEnv(dataDir, port), LOCK_BACKEND: 'postgres', LOCK_DATABASE_URL: db.url, LOCK_KEY: key, LOCK_STANDBY: 'true' };
    return { proc: spawnNode(label, [MAIN], env), port };
  };
  const values: number[] = [];
  const tokens: string[] = [];
  try {
    let active = await host('pg active');
    await withTimeout(waitUntilAsync(async () => (await lockOf(active.port))?.role === 'active'), 30_000, 'the first host to be active');
    await waitUntil(() => (liveAgents(agents).length > 0 ? true : undefined), 'the first agent', 20_000);
    for (let i = 0; i < reps; i++) {
      const standby = await host('pg standby');
      await withTimeout(waitUntilAsync(async () => (await lockOf(standby.port))?.role === 'standby'), 30_000, 'the standby to wait');
      const before = new Set(liveAgents(agents));
      const t0 = performance.now();
      active.proc.signal('SIGKILL');
      await waitUntil(() => (liveAgents(agents).some((pid) => !before.has(pid)) ? true : undefined), "the standby's agent", 20_000);
      values.push(performance.now() - t0);
      tokens.push((await lockOf(standby.port))?.fencingToken ?? '?');
      await active.proc.waitExit(5000);
      active = standby;
    }
    await active.proc.stop(8000);
    return { ...runs(values), tokens, ...(await heartbeatCost(db.url)) };
  } finally {
    await db.stop();
  }
}

async function waitUntilAsync(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await delay(10);
}

/** The heartbeat's own query (adapter: pg-advisory-lock-manager) beside SELECT 1, 300 times each. */
async function heartbeatCost(url: string): Promise<{ heartbeatMs: number; select1Ms: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(42)');
    const time = async (sql: string, params: unknown[] = []) => {
      const samples: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        await client.query(sql, params);
        samples.push(performance.now() - t0);
      }
      return median(samples);
    };
    const heartbeatMs = await time(
      `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
         AND classid = $1::oid AND objid = $2::oid AND objsubid = 1) AS held`,
      ['0', '42'],
    );
    return { heartbeatMs, select1Ms: await time('SELECT 1') };
  } finally {
    await client.end();
  }
}
