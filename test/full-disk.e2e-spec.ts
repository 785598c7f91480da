import { jest } from '@jest/globals';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, getJson, waitFor } from './support/harness.js';
import { fixture, post, processStatus, startBackend, type Backend } from './support/supervisor-harness.js';
import { mountSmallDisk, type SmallDisk } from './support/tmpfs.js';

jest.setTimeout(180000);

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('8m');
});
afterEach(cleanup);
afterAll(() => disk?.unmount());

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
const health = (backend: Backend) => getJson(backend.port, '/api/health');
const records = (dataDir: string): { name: string; pid: number }[] =>
  JSON.parse(readFileSync(join(dataDir, 'children.json'), 'utf8')).children;

describe('a full disk under the data directory (real tmpfs)', () => {
  it('keeps supervising, answers the API, reports degraded once per component, leaves no temp files, and recovers by itself', async () => {
    const dataDir = join(disk.dir, 'data');
    mkdirSync(dataDir);
    const backend = await startBackend(
      `
processes:
  - name: chatty
    command: node
    args: ["${fixture('chatty-crasher.mjs')}"]
    backoff: { initialDelayMs: 100, factor: 1, maxDelayMs: 100, resetAfterMs: 600000 }
    maxRestarts: 100000
  - name: steady
    command: node
    args: ["${fixture('sleeper.mjs')}"]
`,
      {},
      dataDir,
    );
    const logs = join(dataDir, 'logs');
    await waitFor(() => existsSync(join(logs, 'chatty.log')) && existsSync(join(logs, 'steady.log')), 'both log files');

    disk.fill();

    // Child exits and output keep coming: each write path meets ENOSPC and reports it.
    const degraded = await waitFor(async () => {
      const h = await health(backend);
      const problems: { component: string; reason: string }[] = h.body.details?.storage?.problems ?? [];
      const components = problems.map((p) => p.component);
      return ['child records', 'process logs', 'event log', 'events file'].every((c) => components.includes(c)) ? h : null;
    }, 'health to report the child records, process logs, event log and events file as failing', 30000);
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.details.storage.status).toBe('degraded');
    for (const problem of degraded.body.details.storage.problems) {
      // Files fail with ENOSPC; SQLite says the same as SQLITE_FULL.
      expect(problem.reason).toMatch(problem.component === 'child records' || problem.component === 'process logs' ? /ENOSPC/ : /ENOSPC|SQLITE_FULL/);
    }

    // Supervision goes on: the crash loop keeps being restarted.
    const before = (await processStatus(backend, 'chatty')).restarts;
    await waitFor(async () => (await processStatus(backend, 'chatty')).restarts >= before + 3, 'three more restarts on the full disk');

    // Operator actions still happen and answer 2xx (their intent is kept in memory if the database is full too).
    const oldSteady = (await processStatus(backend, 'steady')).pid;
    const restarted = await post(backend, '/api/processes/steady/restart');
    expect(restarted.status).toBeLessThan(300);
    expect((await post(backend, '/api/processes/steady/stop')).status).toBeLessThan(300);
    expect((await processStatus(backend, 'steady')).state).toBe('stopped');
    const started = await post(backend, '/api/processes/steady/start');
    expect(started.status).toBeLessThan(300);
    const steady = await waitFor(async () => {
      const s = await processStatus(backend, 'steady');
      return s.state === 'running' && s.pid !== oldSteady ? s : null;
    }, 'steady to run again with a new pid');
    // The last change to the records happens while the disk is full: only a retry can make the file true.
    expect((await post(backend, '/api/processes/chatty/stop')).status).toBeLessThan(300);
    const failing: { component: string }[] = (await health(backend)).body.details.storage.problems;
    expect(failing.map((p) => p.component).sort()).toEqual(['child records', 'desired state', 'event log', 'events file', 'process logs']);

    expect(backend.proc.isRunning()).toBe(true);
    const out = backend.proc.output();
    // Once per component and outage, however many writes failed.
    for (const { component } of failing) expect([component, count(out, `Cannot write ${component}:`)]).toEqual([component, 1]);
    expect(out).not.toContain('INSTANCE LOCK COMPROMISED');
    expect(filesUnder(dataDir).filter((f) => /\.tmp/.test(f))).toEqual([]);
    // The file still names what ran before the disk filled, not the running set.
    expect(records(dataDir).find((r) => r.name === 'steady')?.pid).not.toBe(steady.pid);

    disk.free();

    const ok = await waitFor(async () => {
      const h = await health(backend);
      return h.body.status === 'ok' ? h : null;
    }, 'health to be ok again once space is back', 30000);
    expect(ok.status).toBe(200);
    expect(ok.body.details.storage).toEqual({ status: 'up' });
    await waitFor(
      () => JSON.stringify(records(dataDir).map((r) => [r.name, r.pid])) === JSON.stringify([['steady', steady.pid]]),
      'children.json to name exactly the running children again',
    );

    // The intents of the operator actions taken on the full disk are in the database now.
    const db = new Database(join(dataDir, 'app.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT name, desired FROM desired_state ORDER BY name').all();
      expect(rows).toEqual([
        { name: 'chatty', desired: 'stopped' },
        { name: 'steady', desired: 'running' },
      ]);
    } finally {
      db.close();
    }

    // New output reaches the files again, after a mark of what was dropped.
    expect((await post(backend, '/api/processes/chatty/start')).status).toBeLessThan(300);
    const chatty = await waitFor(async () => (await processStatus(backend, 'chatty')).pid, 'chatty to run again');
    await waitFor(() => readFileSync(join(logs, 'chatty.log'), 'utf8').includes(`chatty started pid=${chatty}`), 'new output in chatty.log');
    expect(readFileSync(join(logs, 'chatty.log'), 'utf8')).toMatch(/procguard: \d+ byte\(s\) of output dropped/);
    const after = backend.proc.output();
    for (const { component } of failing) {
      expect([component, count(after, `Cannot write ${component}:`), count(after, `Writing ${component} works again`)]).toEqual([component, 1, 1]);
    }
    expect(filesUnder(dataDir).filter((f) => /\.tmp/.test(f))).toEqual([]);
  });
});
