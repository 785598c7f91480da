import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freePort, getJson, startInstance, tempDir, waitExit, waitFor } from './support/harness.js';
import { fixture, processStatus, startBackend, writeConfig, type Backend } from './support/supervisor-harness.js';

afterEach(cleanup);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Event {
  from: string;
  to: string;
  reason: string;
  at: string;
}

async function events(backend: Backend, name: string): Promise<Event[]> {
  return (await getJson(backend.port, `/api/processes/${name}/history?limit=200`)).body.events as Event[];
}

async function runningPid(backend: Backend, name: string): Promise<number> {
  return waitFor(async () => {
    const s = await processStatus(backend, name);
    return s.state === 'running' ? (s.pid as number) : null;
  }, `${name} running`);
}

const sleeperApp = (extra: string) => `apps:\n  - name: job\n    script: ${fixture('sleeper.mjs')}\n${extra}`;

describe('cron_restart', () => {
  it('restarts the process at the scheduled seconds, the event naming the schedule', async () => {
    const backend = await startBackend(sleeperApp('    cron_restart: "*/2 * * * * *"\n'));
    const first = await runningPid(backend, 'job');

    const restart = await waitFor(
      async () => (await events(backend, 'job')).find((e) => e.to === 'stopping' && e.reason === 'cron_restart "*/2 * * * * *": scheduled restart'),
      'a cron restart event',
    );
    const second = await waitFor(async () => {
      const pid = await runningPid(backend, 'job');
      return pid !== first ? pid : null;
    }, 'a new pid');

    expect(second).not.toBe(first);
    expect(restart.reason).toBe('cron_restart "*/2 * * * * *": scheduled restart');
    // It repeats: a second scheduled restart comes too.
    await waitFor(async () => (await events(backend, 'job')).filter((e) => e.to === 'stopping' && /cron_restart/.test(e.reason)).length >= 2, 'a second cron restart');
  });

  it('an invalid expression is a config error at start: exit 2, the field and reason named, no stack trace', async () => {
    const dataDir = tempDir();
    const configPath = join(dataDir, 'processes.yaml');
    writeConfig(configPath, sleeperApp('    cron_restart: "61 * * * *"\n'));
    const proc = startInstance({ dataDir, port: await freePort(), env: { PROCESSES_CONFIG: configPath } });

    expect((await waitExit(proc)).code).toBe(2);
    expect(proc.output()).toMatch(/"cron_restart" is not a valid cron expression \(Invalid value for minute: 61\), got "61 \* \* \* \*"/);
    expect(proc.output()).not.toMatch(/\n\s+at /);
  });

  it('on SIGHUP: an invalid one is rejected (the process keeps running), and removing it stops the schedule', async () => {
    const backend = await startBackend(sleeperApp('    autorestart: true\n'));
    const pid = await runningPid(backend, 'job');

    writeConfig(backend.configPath, sleeperApp('    cron_restart: "* * * * * * * *"\n'));
    process.kill(backend.proc.pid, 'SIGHUP');
    await waitFor(() => /Reload rejected.*\n?.*"cron_restart" is not a valid cron expression/.test(backend.proc.output()), 'the reload to be rejected');
    expect((await processStatus(backend, 'job')).pid).toBe(pid);

    writeConfig(backend.configPath, sleeperApp('    cron_restart: "* * * * * *"\n'));
    process.kill(backend.proc.pid, 'SIGHUP');
    await waitFor(async () => (await events(backend, 'job')).some((e) => /cron_restart/.test(e.reason)), 'a cron restart after the reload');
    writeConfig(backend.configPath, sleeperApp(''));
    process.kill(backend.proc.pid, 'SIGHUP');
    const settled = await waitFor(async () => {
      const s = await processStatus(backend, 'job');
      return s.state === 'running' && (backend.proc.output().match(/Reloaded /g) ?? []).length >= 2 ? s.pid : null;
    }, 'the reload without cron');
    const cronEvents = (await events(backend, 'job')).filter((e) => /cron_restart/.test(e.reason)).length;

    // Several scheduled seconds pass: with the schedule stopped, nothing restarts.
    await pause(3500);
    expect((await processStatus(backend, 'job')).pid).toBe(settled);
    expect((await events(backend, 'job')).filter((e) => /cron_restart/.test(e.reason)).length).toBe(cronEvents);
  });
});

describe('watch', () => {
  it('restarts on a change under the cwd, once, naming the file; node_modules, the data dir, ignore_watch and a symlink out are not watched', async () => {
    // Arrange: the data directory lies inside the watched cwd, so its own writes would restart for ever if watched.
    const project = tempDir('procguard-watch-');
    const outside = tempDir('procguard-outside-');
    for (const dir of ['src', 'node_modules/lib', 'data']) mkdirSync(join(project, dir), { recursive: true });
    writeFileSync(join(project, 'src', 'app.js'), '1');
    writeFileSync(join(outside, 'target.js'), '1');
    symlinkSync(outside, join(project, 'linked'));
    const yaml = sleeperApp(`    cwd: ${project}\n    watch: true\n    watch_delay: 300\n    ignore_watch: ["*.log"]\n`);
    const backend = await startBackend(yaml, {}, join(project, 'data'));
    const pid = await runningPid(backend, 'job');
    await pause(1000); // the watcher's initial scan

    // Act 1: changes that must not restart it.
    writeFileSync(join(project, 'node_modules', 'lib', 'index.js'), '2');
    writeFileSync(join(project, 'data', 'junk.txt'), '2');
    writeFileSync(join(project, 'server.log'), '2');
    writeFileSync(join(outside, 'target.js'), '2');
    await pause(2000); // well past watch_delay
    expect((await events(backend, 'job')).filter((e) => e.reason.startsWith('watch: ')).map((e) => e.reason)).toEqual([]);
    expect((await processStatus(backend, 'job')).pid).toBe(pid);

    // Act 2: a real change, twice in a row (one restart).
    writeFileSync(join(project, 'src', 'app.js'), '3');
    writeFileSync(join(project, 'src', 'app.js'), '4');
    const restarted = await waitFor(async () => {
      const s = await processStatus(backend, 'job');
      return s.state === 'running' && s.pid !== pid ? s : null;
    }, 'the restart after the change');

    // Assert
    const watchEvents = (await events(backend, 'job')).filter((e) => e.to === 'stopping' && e.reason.startsWith('watch: '));
    expect(watchEvents).toHaveLength(1);
    expect(watchEvents[0].reason).toMatch(new RegExp(`^watch: ${join(project, 'src', 'app.js').replaceAll('/', '\\/')} changed`));
    await pause(1500);
    expect((await processStatus(backend, 'job')).pid).toBe(restarted.pid);
  });
});
