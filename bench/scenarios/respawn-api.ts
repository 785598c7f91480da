import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { httpGet, waitFor200 } from '../lib/http.js';
import { spawnNode } from '../lib/procs.js';
import { MAIN, procguardEnv } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import { freePort, HOST, makeTempDir, withTimeout } from '../lib/util.js';

export interface RespawnApiResult {
  /** kill -9 of the agent -> its replacement's `running` event read from `/api/events`, per run. */
  readonly respawnMs: readonly number[];
  readonly respawnMedianMs: number;
  /** The floor: a fresh `node`, unpinned like the server, kills a bare `sleep`, sees its exit event, spawns another. */
  readonly bareRespawnMs: readonly number[];
  readonly bareRespawnMedianMs: number;
}

interface ProcessEventData {
  readonly name?: string;
  readonly to?: string;
  readonly pid?: number | null;
}

/** A reader of `/api/events` that hands every `process` event to the current listener. */
async function subscribe(port: number, onEvent: (event: ProcessEventData) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path: '/api/events', headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/api/events answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (data && /^event: process$/m.test(message)) onEvent(JSON.parse(data) as ProcessEventData);
        }
      });
      resolve(() => req.destroy());
    });
    req.on('error', reject);
    req.end();
  });
}

/** The same loop as the supervisor's, bare, in a fresh `node` placed as the server is (unpinned). */
const BARE_LOOP = `
const { spawn } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const start = () => new Promise((resolve, reject) => {
  const child = spawn('sleep', ['3600'], { stdio: 'ignore', detached: true });
  child.once('spawn', () => resolve(child)).once('error', reject);
});
(async () => {
  const runs = Number(process.argv[1]);
  let child = await start();
  const times = [];
  for (let i = 0; i < runs; i++) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const t0 = performance.now();
    process.kill(child.pid, 'SIGKILL');
    await exited;
    child = await start();
    times.push(performance.now() - t0);
  }
  child.kill('SIGKILL');
  console.log(JSON.stringify(times));
})();
`;

async function bareRespawn(runs: number): Promise<number[]> {
  const proc = spawnNode('bare respawn loop', ['-e', BARE_LOOP, String(runs)], {}, { pin: false });
  const exit = await proc.waitExit(60_000);
  if (exit.code !== 0) throw new Error(`the bare respawn loop exited with ${exit.code ?? exit.signal}: ${proc.output()}`);
  return JSON.parse(proc.output(4000).split('\n').at(-1)!) as number[];
}

export async function benchRespawnApi(runs: number): Promise<RespawnApiResult> {
  const dir = makeTempDir('respawn-api');
  const port = await freePort();
  const env = procguardEnv(dir, port);
  writeFileSync(
    env.PROCESSES_CONFIG,
    'processes:\n  - name: victim\n    command: sleep\n    args: ["3600"]\n    backoff: { initialDelayMs: 0, resetAfterMs: 1 }\n    maxRestarts: 1000\n',
  );
  const server = spawnNode('procguard (respawn)', [MAIN], env, { pin: false });
  const respawnMs: number[] = [];
  let unsubscribe = (): void => undefined;
  try {
    await waitFor200(port, '/api/health/ready', { proc: server, timeoutMs: 30_000 });
    let listener: (event: ProcessEventData) => void = () => undefined;
    let pid: number | null = null;
    unsubscribe = await subscribe(port, (event) => {
      if (event.name !== 'victim') return;
      if (event.to === 'running') pid = event.pid ?? null;
      listener(event);
    });
    // The first start may have happened before the subscription: read the PID from the API once.
    pid ??= await currentPid(port);
    for (let i = 0; i < runs; i++) {
      // Settled: the previous replacement's writes (registry, history) are done.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const old = pid!;
      const seen = new Promise<void>((resolve) => {
        listener = (event) => event.to === 'running' && event.pid !== old && resolve();
      });
      const t0 = performance.now();
      process.kill(old, 'SIGKILL');
      await withTimeout(seen, 5000, 'the replacement to show running on /api/events');
      respawnMs.push(performance.now() - t0);
    }
  } finally {
    unsubscribe();
    await server.stop(15_000);
  }
  const bareRespawnMs = await bareRespawn(runs);
  return { respawnMs, respawnMedianMs: median(respawnMs), bareRespawnMs, bareRespawnMedianMs: median(bareRespawnMs) };
}

async function currentPid(port: number): Promise<number> {
  const { body } = await httpGet(port, '/api/processes/victim', 5000);
  const pid = (JSON.parse(body) as { pid?: number | null }).pid;
  if (!pid) throw new Error(`no PID for victim in ${body}`);
  return pid;
}
