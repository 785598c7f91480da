import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, FIXTURES, freePort, isAlive, MAIN, spawnProcess, startInstance, tempDir, waitExit, waitFor, waitReady } from './support/harness.js';
import { groupMembers, identify, pidsWithEnv, statOf, stillRunning } from './support/process-table.js';
import { fixture, post, processStatus, startBackend, waitForLogLine, writeConfig } from './support/supervisor-harness.js';

afterEach(cleanup);
jest.setTimeout(180000);

/** A variable only this test's agents carry, so the test finds every process of theirs (grandchildren too). */
function caseMarker(): { entry: string; yaml: string } {
  const value = randomUUID();
  return { entry: `ORPHAN_CASE=${value}`, yaml: `env: { ORPHAN_CASE: "${value}" }` };
}

/**
 * Waits until nothing carries `entry` and nothing of `tree` runs. Both views: a process whose
 * memory is being torn down no longer shows its environ, yet runs.
 */
function caseGone(entry: string, tree: ReturnType<typeof identify>, what: string): Promise<unknown> {
  return waitFor(() => pidsWithEnv(entry).length === 0 && stillRunning(tree).length === 0, what, 10_000);
}

/** SIGKILL every process carrying `entry`, for tests whose agents escape on purpose. */
function killAll(entry: string): void {
  for (const pid of pidsWithEnv(entry)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

describe('orphans: children are tied to the backend', () => {
  describe('when the backend is killed with SIGKILL', () => {
    it('takes every agent and every grandchild in their groups down without help from a next start', async () => {
      const mark = caseMarker();
      const backend = await startBackend(`
processes:
  - name: forker
    command: node
    args: ["${fixture('forker.mjs')}"]
    instances: 3
    ${mark.yaml}
  - name: shelled
    command: "node ${fixture('sleeper.mjs')} & node ${fixture('ignore-term.mjs')}; wait"
    shell: true
    stopSignal: SIGINT
    ${mark.yaml}
`);
      for (const name of ['forker-1', 'forker-2', 'forker-3']) await waitForLogLine(backend, name, 'grandchild=');
      await waitForLogLine(backend, 'shelled', 'ignore-term started');
      const tree = identify(pidsWithEnv(mark.entry));
      // 3 × (forker, its grandchild) + the shell and its two nodes, each group with its watcher.
      expect(tree.length).toBeGreaterThanOrEqual(9);

      process.kill(backend.proc.pid, 'SIGKILL');
      await waitExit(backend.proc);

      await caseGone(mark.entry, tree, 'every agent and grandchild to be gone');
    });
  });

  describe('when the backend is killed while a stop waits for a grandchild that ignores SIGTERM', () => {
    it('still takes the grandchild down: the lifeline stays open until the group is empty', async () => {
      const mark = caseMarker();
      // The grandchild ignores SIGTERM (SIG_IGN survives its exec); the leader obeys it.
      const backend = await startBackend(`
processes:
  - name: stubborn
    command: "sh -c 'trap \\"\\" TERM; exec sleep 600' & exec sleep 601"
    shell: true
    killTimeoutMs: 30000
    ${mark.yaml}
`);
      const ignoresTerm = (pid: number) => {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        return ((BigInt(`0x${/SigIgn:\s*([0-9a-f]+)/.exec(status)![1]}`) >> 14n) & 1n) === 1n;
      };
      const grandchild = await waitFor(() => {
        const found = pidsWithEnv(mark.entry).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\u0000600'));
        return found !== undefined && ignoresTerm(found) ? found : null;
      }, 'the grandchild to ignore SIGTERM');
      const leader = (await processStatus(backend, 'stubborn')).pid as number;

      // The stop's SIGTERM ends the leader; the grandchild stays and the stop waits its 30 s.
      const stopping = post(backend, '/api/processes/stubborn/stop').catch(() => 'cut by the kill');
      await waitFor(() => !isAlive(leader), 'the leader to exit on SIGTERM');
      expect(isAlive(grandchild)).toBe(true);
      process.kill(backend.proc.pid, 'SIGKILL');
      await waitExit(backend.proc);

      await waitFor(() => !isAlive(grandchild), 'the grandchild to go with the backend', 10000);
      expect(pidsWithEnv(mark.entry).filter(isAlive)).toEqual([]);
      expect(await stopping).toBe('cut by the kill');
    });
  });

  describe('when an agent crashes and the backend gets SIGTERM 5 ms later (backoff 0: its replacement is starting)', () => {
    it('exits 0 with the crashed group and the replacement gone, and nothing of the case left', async () => {
      const mark = caseMarker();
      // forker's grandchild ignores SIGTERM: only the crashed group's SIGKILL takes it down
      // (that group's watcher dies with that SIGKILL, so no lifeline is left to do it later).
      const backend = await startBackend(`
processes:
  - name: forker
    command: node
    args: ["${fixture('forker.mjs')}"]
    backoff: { initialDelayMs: 0 }
    killTimeoutMs: 500
    ${mark.yaml}
`);
      const line = await waitForLogLine(backend, 'forker', 'grandchild=');
      const grandchild = Number(/grandchild=(\d+)/.exec(line)![1]);
      const leader = (await processStatus(backend, 'forker')).pid as number;
      const tree = identify(pidsWithEnv(mark.entry));

      process.kill(leader, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 5));
      process.kill(backend.proc.pid, 'SIGTERM');

      expect((await waitExit(backend.proc, 30_000)).code).toBe(0);
      // Gone by the exit, not by the lifeline afterwards (its watcher waits 0.5 s before SIGKILL).
      expect(isAlive(grandchild)).toBe(false);
      await caseGone(mark.entry, tree, 'every process of the case to be gone');
    });
  });

  describe('when a grandchild calls setsid (leaves the group)', () => {
    it('survives the backend, and the next start stops it by its marker', async () => {
      const mark = caseMarker();
      const yaml = `
processes:
  - name: escaper
    command: node
    args: ["${fixture('escaper.mjs')}"]
    ${mark.yaml}
`;
      const first = await startBackend(yaml);
      const line = await waitForLogLine(first, 'escaper', 'setsid=');
      const [, leader, inGroup, escaped] = /pid=(\d+) in-group=(\d+) setsid=(\d+)/.exec(line)!.map(Number);
      process.kill(first.proc.pid, 'SIGKILL');
      await waitExit(first.proc);
      await waitFor(() => !isAlive(leader) && !isAlive(inGroup), 'the group to die with the backend', 10000);
      expect(isAlive(escaped)).toBe(true);

      const second = startInstance({ dataDir: first.dataDir, port: first.port, env: { PROCESSES_CONFIG: first.configPath } });
      await waitReady(second, first.port);

      expect(isAlive(escaped)).toBe(false);
      expect(second.output()).toMatch(new RegExp(`Orphan of a previous instance: escaper \\(pid ${escaped}\\): (stopped|killed)`));
      // What runs now is the new backend's: its own children were never touched.
      const now = pidsWithEnv(mark.entry);
      expect(now.length).toBeGreaterThan(0);
      expect(now).not.toContain(escaped);
      // The new escaper's setsid'ed grandchild escapes a graceful stop too: the test cleans it up.
      process.kill(second.pid, 'SIGTERM');
      await waitExit(second);
      killAll(mark.entry);
    });
  });

  describe('when the backend is killed again and again while 100 instances start', () => {
    it('leaves no process carrying the marker once the next backend has started', async () => {
      const mark = caseMarker();
      const dataDir = tempDir();
      const configPath = join(dataDir, 'processes.yaml');
      // Each instance leaves a setsid'ed sleep behind, which only the marker can find.
      writeConfig(
        configPath,
        `
processes:
  - name: many
    command: "setsid sleep 600 & exec sleep 600"
    shell: true
    instances: 100
    ${mark.yaml}
`,
      );
      const port = await freePort();
      for (let kill = 0; kill < 6; kill++) {
        const proc = startInstance({ dataDir, port, env: { PROCESSES_CONFIG: configPath } });
        // Kill at a different point of the start-up each time: after 5, 30, 55, 80, 105 and 130 marked processes exist.
        const seen = 5 + ((kill * 25) % 150);
        await waitFor(() => !proc.isRunning() || pidsWithEnv(mark.entry).length >= seen, `${seen} marked processes`, 60000);
        process.kill(proc.pid, 'SIGKILL');
        await waitExit(proc);
      }

      // The next start reaps by marker; it starts nothing new, so whatever carries the marker now was left by a killed one.
      writeConfig(configPath, 'processes: []\n');
      const last = startInstance({ dataDir, port, env: { PROCESSES_CONFIG: configPath } });
      await waitReady(last, port, 60000);
      const left = pidsWithEnv(mark.entry);
      killAll(mark.entry);

      expect(left).toEqual([]);
      expect(last.output()).toMatch(/Orphan of a previous instance: many-\d+ \(pid \d+\): (stopped|killed)/);
    });
  });

  describe('when a child exits on its own', () => {
    it('reports its own exit code and leaves nothing in its group, the watcher included', async () => {
      const backend = await startBackend(`
processes:
  - name: crasher
    command: node
    args: ["${fixture('crasher.mjs')}"]
    autorestart: never
`);
      const status = await waitFor(async () => {
        const s = await processStatus(backend, 'crasher');
        return s.state === 'stopped' && s.lastExit ? s : null;
      }, 'the crasher to exit');
      const pid = Number(/starting -> running \(pid (\d+)\)/.exec(backend.proc.output())![1]);

      expect(status.lastExit).toMatchObject({ code: 1, signal: null });
      expect(groupMembers(pid)).toEqual([]);
    });
  });

  describe('when a spec stops with SIGINT (which a background job of sh ignores)', () => {
    it('stops as soon as the command exits, not at the kill timeout', async () => {
      const backend = await startBackend(`
processes:
  - name: gentle
    command: node
    args: ["${fixture('sleeper.mjs')}"]
    stopSignal: SIGINT
    killTimeoutMs: 30000
`);
      const { pid } = await waitFor(async () => {
        const s = await processStatus(backend, 'gentle');
        return s.state === 'running' ? s : null;
      }, 'gentle to run');
      const started = Date.now();

      const stopped = await post(backend, '/api/processes/gentle/stop');

      expect(stopped.body).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGINT' } });
      expect(Date.now() - started).toBeLessThan(20000);
      // The lifeline watcher is let go once the rest of the group is gone, so it may still be on its way out.
      await waitFor(() => groupMembers(pid).length === 0, 'the group, its lifeline watcher last, to be empty', 5000);
    });
  });

  describe('when the command does not exist', () => {
    it('is still a launch error, not an exit of the wrapper', async () => {
      const backend = await startBackend(`
processes:
  - name: typo
    command: no-such-command-procguard
    autorestart: never
`);
      const status = await waitFor(async () => {
        const s = await processStatus(backend, 'typo');
        return s.reason?.includes('could not start') ? s : null;
      }, 'the launch to fail');

      expect(status.reason).toContain('no-such-command-procguard: ENOENT (command or cwd not found)');
    });
  });

  describe('when the command runs', () => {
    it('has no lifeline descriptor of its own to pass on', async () => {
      const backend = await startBackend(`
processes:
  - name: fds
    command: "readlink /proc/self/fd/3 || echo no-fd-3; exec node ${fixture('sleeper.mjs')}"
    shell: true
`);
      expect(await waitForLogLine(backend, 'fds', 'no-fd-3')).toMatch(/stdout no-fd-3$/);
    });
  });
});

describe('orphans: the reaper never signals what it did not start', () => {
  describe('when children.json is forged or corrupt', () => {
    it('leaves unrelated processes, dead-leader groups and its own group alone, and logs each bad record once', async () => {
      const dataDir = tempDir();
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      // An unrelated live process, with a record as plausible as can be (its true start time).
      const bystander = spawnProcess(process.execPath, [join(FIXTURES, 'sleeper.mjs')]);
      await waitFor(() => bystander.output().includes(String(bystander.pid)), 'the bystander to run');
      // A group whose leader has exited, with an unrelated member left in it.
      const lonely = spawnProcess(
        process.execPath,
        ['-e', "const c=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});console.log(c.pid);process.exit(0)"],
        { detached: true },
      );
      await waitExit(lonely);
      const member = Number(lonely.output().trim());
      expect(statOf(member)?.pgid).toBe(lonely.pid);
      const record = (name: string, pid: number, fields: object = {}) => ({
        name,
        pid,
        pgid: pid,
        startTime: statOf(pid)?.startTime ?? '1',
        bootId,
        ownerInstanceId: 'crashed-instance',
        startedAt: '2026-01-01T00:00:00.000Z',
        ...fields,
      });
      writeFileSync(
        join(dataDir, 'children.json'),
        JSON.stringify({
          children: [
            record('bystander', bystander.pid),
            record('lonely', lonely.pid, { startTime: '1' }),
            record('zero', 0, { pgid: 0 }),
            record('group-zero', bystander.pid, { pgid: 0 }),
            record('negative', -1, { pgid: -1 }),
            record('huge', 2 ** 40, { pgid: 2 ** 40 }),
            record('fraction', 12.5, { pgid: 12.5 }),
            'not a record',
          ],
        }),
      );
      const port = await freePort();
      // Its own group: if the reaper ever signalled pgid 0, the backend would get the SIGTERM itself.
      const backend = spawnProcess(process.execPath, [MAIN], {
        detached: true,
        env: { DATA_DIR: dataDir, PORT: String(port), SHUTDOWN_TIMEOUT_MS: '5000', PROCESSES_CONFIG: join(FIXTURES, 'no-processes.yaml') },
      });
      await waitReady(backend, port);
      // The reaper has finished before the backend answers ready (it runs before anything starts).

      expect(isAlive(bystander.pid)).toBe(true);
      expect(isAlive(member)).toBe(true);
      expect(backend.isRunning()).toBe(true);
      const out = backend.output();
      expect(out).not.toContain('SIGTERM received');
      for (const index of [2, 3, 4, 5, 6, 7]) expect(out.split(`dropping children[${index}]`).length).toBe(2);
      expect(out).toContain('dropping children[3]: "pgid" must be an integer');
      expect(out).toMatch(/dropping children\[4\]: "pid" must be an integer from 2 to \d+, got -1/);
      process.kill(member, 'SIGKILL');
    });

    it('logs a file that is not JSON once, and still starts', async () => {
      const dataDir = tempDir();
      writeFileSync(join(dataDir, 'children.json'), '{"children": [');
      const port = await freePort();
      const backend = startInstance({ dataDir, port });
      await waitReady(backend, port);

      expect(backend.output().split('children.json is not valid JSON').length).toBe(2);
    });
  });
});
