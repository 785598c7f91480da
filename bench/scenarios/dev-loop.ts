import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { httpGet, waitFor200 } from '../lib/http.js';
import { Proc } from '../lib/procs.js';
import { ROOT, startProcguard } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import { delay, freePort, makeTempDir } from '../lib/util.js';

export interface DevLoopResult {
  /** `npm run dev` spawned in a copy with no dist/ -> /api/health/ready 200. */
  readonly cleanStartMs: number;
  /** A save of src/exit-codes.ts -> a new app (another pid) answering ready; one per save. */
  readonly saveToHealthyMs: readonly number[];
  readonly saveToHealthyMedianMs: number;
  /** The floor of both: `node dist/main.js` spawn -> ready (the app's own start), median. */
  readonly builtStartMs: number;
}

/** The repository as a clean checkout: sources and configs, node_modules linked, no dist/. */
function cleanCheckout(): string {
  const dir = makeTempDir('dev-loop');
  for (const file of ['package.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, file), join(dir, file));
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true, filter: (src) => !src.endsWith('.spec.ts') });
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  mkdirSync(join(dir, 'data'));
  return dir;
}

/** The PID of the app answering ready, or 0 (none yet, or one stopping between the two requests). */
async function appPid(port: number): Promise<number> {
  try {
    if ((await httpGet(port, '/api/health/ready', 1000)).status !== 200) return 0;
    return (JSON.parse((await httpGet(port, '/api/health', 1000)).body) as { pid: number }).pid;
  } catch {
    return 0;
  }
}

/**
 * Row 11: the dev loop as a person meets it. `npm run dev` in a clean copy of this repository
 * (SWC compiles every source, tsc --noEmit --watch starts beside it), then `saves` saves, each
 * timed until the reloaded app answers ready. Not pinned (the bench's own pin is undone): the
 * session, the app, its spare and tsc share both cores, as on a developer's machine.
 */
export async function benchDevLoop(saves: number): Promise<DevLoopResult> {
  const dir = cleanCheckout();
  const port = await freePort();
  const processes = join(dir, 'processes.yaml');
  appendFileSync(processes, 'processes: []\n');
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: join(dir, 'data'), PROCESSES_CONFIG: processes, LOG_FORMAT: 'json' };
  delete env.PROCGUARD_DEV_SESSION;
  const spawnedAt = performance.now();
  // The bench pins itself to one CPU and a child inherits that: undo it, or the session, the
  // app and tsc would share one core, which no developer's machine does.
  const unpinned = spawnSync('taskset', ['-c', `0-${cpus().length - 1}`, 'true']).status === 0;
  const [command, args] = unpinned ? ['taskset', ['-c', `0-${cpus().length - 1}`, 'npm', 'run', 'dev']] : ['npm', ['run', 'dev']];
  const dev = new Proc('npm run dev', spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }), spawnedAt);
  try {
    const readyAt = await waitFor200(port, '/api/health/ready', { proc: dev, intervalMs: 5, timeoutMs: 60_000 });
    const cleanStartMs = readyAt - spawnedAt;
    const saveToHealthyMs: number[] = [];
    for (let i = 0; i < saves; i++) {
      const before = await appPid(port);
      // Let tsc's first check settle, as a person's next save comes seconds later.
      await delay(i === 0 ? 3000 : 1000);
      const savedAt = performance.now();
      appendFileSync(join(dir, 'src', 'exit-codes.ts'), `\n// save ${i + 1}\n`);
      const deadline = savedAt + 30_000;
      for (;;) {
        const pid = await appPid(port);
        if (pid !== 0 && pid !== before) break;
        if (performance.now() > deadline) throw new Error(`save ${i + 1}: no reloaded app within 30 s\n${dev.output()}`);
        await delay(5);
      }
      saveToHealthyMs.push(performance.now() - savedAt);
    }
    dev.signal('SIGINT');
    await dev.waitExit(20_000);
    const built: number[] = [];
    for (let i = 0; i < 3; i++) {
      const running = await startProcguard(makeTempDir('dev-loop-built'), 'built app');
      built.push(running.readyMs);
      await running.proc.stop();
    }
    return { cleanStartMs, saveToHealthyMs, saveToHealthyMedianMs: median(saveToHealthyMs), builtStartMs: median(built) };
  } finally {
    await dev.stop(20_000).catch(() => undefined);
  }
}
