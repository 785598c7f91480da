import { specOf } from './testing/fakes.js';
import type { ICronScheduler, IFileWatcher, Timers, WatchRequest } from './ports/restart-trigger.port.js';
import { SpecTriggers } from './restart-triggers.js';

/** A clock the test moves by hand. */
class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= this.now && this.pending.delete(id)) t.fn();
    }
  }
}

class FakeCron implements ICronScheduler {
  readonly jobs: { expression: string; tick: () => void; stopped: boolean }[] = [];
  schedule(expression: string, onTick: () => void) {
    const job = { expression, tick: onTick, stopped: false };
    this.jobs.push(job);
    return { stop: () => void (job.stopped = true) };
  }
}

class FakeWatcher implements IFileWatcher {
  readonly watches: { request: WatchRequest; change: (path: string) => void; closed: boolean }[] = [];
  watch(request: WatchRequest, onChange: (path: string) => void) {
    const w = { request, change: onChange, closed: false };
    this.watches.push(w);
    return { stop: async () => void (w.closed = true) };
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(fields: Parameters<typeof specOf>[0]) {
  const timers = new FakeTimers();
  const cron = new FakeCron();
  const watcher = new FakeWatcher();
  const restarts: string[] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const triggers = new SpecTriggers(specOf(fields), {
    cron,
    watcher,
    timers,
    restart: (reason) => {
      restarts.push(reason);
      return hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    },
    log: () => undefined,
  });
  triggers.open();
  return { triggers, timers, cron, watcher, restarts, holdRestarts: () => (hold = true), release: () => release?.() };
}

const WATCH = { watch: { paths: ['/srv/app'], ignore: ['*.log'], delayMs: 1000 } };

describe('SpecTriggers', () => {
  describe('watch', () => {
    it('restarts once, watch_delay after the last of a burst of changes, naming the file', async () => {
      const { watcher, timers, restarts } = setup(WATCH);
      const change = watcher.watches[0].change;

      change('/srv/app/a.js');
      timers.advance(600);
      change('/srv/app/b.js');
      timers.advance(999);
      await flush();
      expect(restarts).toEqual([]);
      timers.advance(1);
      await flush();

      expect(restarts).toEqual(['watch: /srv/app/b.js changed (and 1 more change)']);
    });

    it('passes the ignore_watch patterns, relative to the cwd', () => {
      const { watcher } = setup(WATCH);
      const { ignored, paths } = watcher.watches[0].request;
      expect(paths).toEqual(['/srv/app']);
      expect(ignored('/srv/app/logs/out.log')).toBe(true);
      expect(ignored('/srv/app/src/main.js')).toBe(false);
    });

    it('changes during a restart make exactly one more restart after it', async () => {
      const { watcher, timers, restarts, holdRestarts, release } = setup(WATCH);
      holdRestarts();
      watcher.watches[0].change('/srv/app/a.js');
      timers.advance(1000);
      await flush();
      for (const f of ['b', 'c', 'd']) watcher.watches[0].change(`/srv/app/${f}.js`);
      timers.advance(1000);
      await flush();
      expect(restarts).toHaveLength(1);

      release();
      await flush();
      await flush();

      expect(restarts).toEqual(['watch: /srv/app/a.js changed', 'watch: /srv/app/d.js changed (and 2 more changes)']);
    });

    it('close() closes the watcher and drops a pending restart', async () => {
      const { triggers, watcher, timers, restarts } = setup(WATCH);
      watcher.watches[0].change('/srv/app/a.js');

      await triggers.close();
      timers.advance(5000);
      watcher.watches[0].change('/srv/app/b.js');
      timers.advance(5000);
      await flush();

      expect(watcher.watches[0].closed).toBe(true);
      expect(timers.pending.size).toBe(0);
      expect(restarts).toEqual([]);
    });
  });

  describe('cron_restart', () => {
    it('schedules the expression; each tick restarts, the reason naming it', async () => {
      const { cron, restarts } = setup({ cronRestart: '*/2 * * * * *' });
      expect(cron.jobs.map((j) => j.expression)).toEqual(['*/2 * * * * *']);

      cron.jobs[0].tick();
      await flush();
      cron.jobs[0].tick();
      await flush();

      expect(restarts).toEqual(['cron_restart "*/2 * * * * *": scheduled restart', 'cron_restart "*/2 * * * * *": scheduled restart']);
    });

    it('a tick while the last restart runs is skipped, not queued', async () => {
      const { cron, restarts, holdRestarts } = setup({ cronRestart: '* * * * * *' });
      holdRestarts();
      cron.jobs[0].tick();
      cron.jobs[0].tick();
      await flush();
      expect(restarts).toHaveLength(1);
    });

    it('close() stops the schedule; a late tick does nothing', async () => {
      const { triggers, cron, restarts } = setup({ cronRestart: '* * * * * *' });
      await triggers.close();
      cron.jobs[0].tick();
      await flush();
      expect(cron.jobs[0].stopped).toBe(true);
      expect(restarts).toEqual([]);
    });
  });

  it('opens nothing for a spec without triggers', () => {
    const { cron, watcher } = setup({});
    expect(cron.jobs).toEqual([]);
    expect(watcher.watches).toEqual([]);
    expect(SpecTriggers.wanted(specOf({}))).toBe(false);
  });
});
