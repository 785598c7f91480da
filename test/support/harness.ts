import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type Agent } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
/** Lifecycle tests run without agents unless they name a config. */
export const NO_PROCESSES = join(FIXTURES, 'no-processes.yaml');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  output(): string;
  isRunning(): boolean;
}

const live = new Set<Spawned>();
const dirs: string[] = [];

export function tempDir(prefix = 'procguard-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Spawns a process and records its combined output; `cleanup()` kills what is left. */
export function spawnProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; detached?: boolean; stdin?: 'pipe' } = {},
): Spawned {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    // The suites read the server's words: pretty lines unless a test asks for JSON (LOG_FORMAT: 'json', or undefined for the default).
    env: { ...process.env, NO_COLOR: '1', LOG_FORMAT: 'pretty', ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    detached: options.detached,
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let running = true;
  const exited = new Promise<Exit>((resolveExit) =>
    child.once('exit', (code, signal) => {
      running = false;
      resolveExit({ code, signal });
    }),
  );
  const spawned: Spawned = { child, pid: child.pid!, exited, output: () => out, isRunning: () => running };
  live.add(spawned);
  void exited.then(() => live.delete(spawned));
  return spawned;
}

export interface InTerminal extends Spawned {
  /** Types into the terminal: `'\x03'` is Ctrl+C, which the line discipline turns into SIGINT to the foreground group. */
  type(keys: string): void;
}

/**
 * Runs a shell command line in a real pseudo-terminal (util-linux `script`), as a
 * person would in a terminal: what the test types reaches the pty, so Ctrl+C is
 * delivered by the kernel to the whole foreground process group.
 *
 * The command is `exec`ed: a person's interactive shell puts the command in a
 * foreground group of its own and is not in it, while a `sh -c` left in the group
 * would see the Ctrl+C too and report 130 whatever the command exited with (dash
 * does, bash does not, and `script` picks the shell from `$SHELL`).
 */
export function spawnInTerminal(commandLine: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): InTerminal {
  const spawned = spawnProcess('script', ['-qfec', `exec ${commandLine}`, '/dev/null'], { ...options, stdin: 'pipe' });
  return { ...spawned, output: () => spawned.output(), isRunning: () => spawned.isRunning(), type: (keys) => spawned.child.stdin!.write(keys) };
}

export interface InstanceOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly env?: NodeJS.ProcessEnv;
  /** A fixture script instead of dist/main.js. */
  readonly script?: string;
}

export function startInstance(options: InstanceOptions): Spawned {
  return spawnProcess(process.execPath, [options.script ?? MAIN], {
    env: {
      DATA_DIR: options.dataDir,
      PORT: String(options.port),
      SHUTDOWN_TIMEOUT_MS: '5000',
      PROCESSES_CONFIG: NO_PROCESSES,
      ...options.env,
    },
  });
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 15000,
  intervalMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/** Resolves within `timeoutMs` or fails: every wait for an exit is bounded. */
export async function waitExit(proc: Spawned, timeoutMs = 15000): Promise<Exit> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`process ${proc.pid} did not exit within ${timeoutMs} ms:\n${proc.output()}`)), timeoutMs);
  });
  try {
    return await Promise.race([proc.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One GET on a given agent (keep-alive tests), resolving with status, headers and body. */
export function httpGet(port: number, path: string, agent?: Agent): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function getJson(port: number, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Waits until the instance answers ready, failing early with its output if it exits. */
export async function waitReady(proc: Spawned, port: number, timeoutMs = 20000): Promise<void> {
  await waitFor(
    async () => {
      if (!proc.isRunning()) throw new Error(`exited before ready:\n${proc.output()}`);
      return (await getJson(port, '/api/health/ready')).status === 200;
    },
    `instance ${proc.pid} on port ${port} to be ready`,
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- output ---\n${proc.output()}`);
  });
}

const handedOut = new Set<number>();

/** A port the kernel reports free, never handed out twice in one test file (two calls could get the same one). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: found } = server.address() as { port: number };
        server.close(() => resolvePort(found));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive free ports (for `instances: N` with `port:`, which takes base … base + N - 1),
 * none handed out before in this file. A second freePort() is no reservation of base + 1.
 */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    const rest = Array.from({ length: count - 1 }, (_, i) => base + 1 + i);
    if (rest.some((port) => port > 65535 || handedOut.has(port))) continue;
    if ((await Promise.all(rest.map(bindable))).every(Boolean)) {
      rest.forEach((port) => handedOut.add(port));
      return base;
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

export function readPidFile(dataDir: string): any | null {
  const path = join(dataDir, 'backend.pid');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * Stops every process the test started: SIGTERM first, so a backend stops its
 * own agents (a SIGKILL would orphan them), then SIGKILL whatever is left.
 */
export async function cleanup(): Promise<void> {
  const procs = [...live];
  for (const proc of procs) signal(proc.pid, 'SIGTERM');
  await Promise.all(
    procs.map(async (proc) => {
      const exited = await Promise.race([proc.exited.then(() => true), delay(8000).then(() => false)]);
      if (!exited) {
        signal(proc.pid, 'SIGKILL');
        await proc.exited;
      }
    }),
  );
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
