import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { httpGet } from '../lib/http.js';
import { BENCH_CPU, SERVER_CPU, spawnNode } from '../lib/procs.js';
import { MAIN, procguardEnv } from '../lib/servers.js';
import { percentile } from '../lib/stats.js';
import { delay, freePort, makeTempDir } from '../lib/util.js';
import { waitFor200 } from '../lib/http.js';

export interface OutputFloodResult {
  /** Backend CPU (user + system) while one child runs `yes`, % of one core. */
  readonly backendCpuPercent: number;
  /** The log writer's CPU over the same time, % of one core (it pays for the bytes). */
  readonly writerCpuPercent: number;
  /** Bytes/s the supervised `yes` wrote (its /proc/<pid>/io wchar). */
  readonly childBytesPerSec: number;
  /** Bytes/s of `yes > file` on the same core, in the same run. */
  readonly bareBytesPerSec: number;
  /** /api/health/live during the flood, with `yes > /dev/null` on the other core. */
  readonly liveP50Ms: number;
  readonly liveP99Ms: number;
  readonly liveSamples: number;
}

const CLK_TCK = 100;

/** utime + stime of `pid` in seconds (/proc/<pid>/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function wchar(pid: number): number {
  return Number(/^wchar:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
}

function pinned(cpu: string, command: string, args: string[], options: Parameters<typeof spawn>[2] = {}): ChildProcess {
  return spawn('taskset', ['-c', cpu, command, ...args], { stdio: 'ignore', ...options });
}

async function bareYes(dir: string, seconds: number): Promise<number> {
  const file = join(dir, 'bare-yes.txt');
  const child = pinned(SERVER_CPU, '/bin/sh', ['-c', `exec yes "a fairly long line of output" > '${file}'`]);
  await delay(seconds * 1000);
  const bytes = existsSync(file) ? statSync(file).size : 0;
  child.kill('SIGKILL');
  return bytes / seconds;
}

/** Children of `pid` (one level), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export async function benchOutputFlood(seconds = 5): Promise<OutputFloodResult> {
  const dir = makeTempDir('output-flood');
  const bareBytesPerSec = await bareYes(dir, seconds);
  const hog = pinned(BENCH_CPU, '/bin/sh', ['-c', 'exec yes > /dev/null']);
  try {
    const port = await freePort();
    const env = procguardEnv(dir, port);
    writeFileSync(env.PROCESSES_CONFIG, 'processes:\n  - name: flood\n    command: yes\n    args: ["a fairly long line of output"]\n');
    const proc = spawnNode('procguard (flood)', [MAIN], env);
    try {
      await waitFor200(port, '/api/health/ready', { proc, timeoutMs: 30_000 });
      const backend = proc.pid!;
      let status: { pid: number | null } = { pid: null };
      for (let i = 0; i < 200 && !status.pid; i++) {
        status = JSON.parse((await httpGet(port, '/api/processes/flood', 2000)).body) as { pid: number | null };
        if (!status.pid) await delay(50);
      }
      const child = status.pid!;
      const writer = childrenOf(backend).find((pid) => commOf(pid).includes('log-writer.main.js'));
      if (!writer) throw new Error('no log writer process found under the backend');
      await delay(1000);
      const cpu0 = cpuSeconds(backend);
      const writer0 = cpuSeconds(writer);
      const bytes0 = wchar(child);
      const t0 = performance.now();
      const latencies: number[] = [];
      while (performance.now() - t0 < seconds * 1000) {
        const started = performance.now();
        await httpGet(port, '/api/health/live', 10_000);
        latencies.push(performance.now() - started);
        await delay(20);
      }
      const elapsed = (performance.now() - t0) / 1000;
      const backendCpuPercent = ((cpuSeconds(backend) - cpu0) / elapsed) * 100;
      const writerCpuPercent = ((cpuSeconds(writer) - writer0) / elapsed) * 100;
      const childBytesPerSec = (wchar(child) - bytes0) / elapsed;
      latencies.sort((a, b) => a - b);
      return {
        backendCpuPercent,
        writerCpuPercent,
        childBytesPerSec,
        bareBytesPerSec,
        liveP50Ms: percentile(latencies, 50),
        liveP99Ms: percentile(latencies, 99),
        liveSamples: latencies.length,
      };
    } finally {
      await proc.stop();
    }
  } finally {
    hog.kill('SIGKILL');
  }
}
