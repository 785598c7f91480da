import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { LaunchError } from '../domain/supervisor.errors.js';
import type {
  ChildExit,
  ChildHandle,
  IProcessLauncher,
  LaunchRequest,
} from '../application/ports/process-launcher.port.js';
import type { ProcessUtils } from '../../lifecycle/infrastructure/process-utils.js';
import type { LogStreamName } from '../domain/log-files.js';
import type { OutputSink } from './log-writer/log-writer.store.js';
import { cannotExecute, LEADER_EXITED, LIFELINE_FD, WRAPPER_SHELL, wrapperArgs } from './lifeline-wrapper.js';
import { formatMarker, OWNER_VARIABLE, type OwnerMarker } from './owner-marker.js';
import { READY_CHANNEL_FD, readReadyMessages } from './ready-message.reader.js';

/**
 * Variables of the backend that children must never inherit. NODE_CHANNEL_*: a backend started
 * with an IPC channel would otherwise make every Node child open its fd 3 (the lifeline) as one.
 */
const PRIVATE_ENV = ['API_TOKEN', 'PROCGUARD_DEV_SESSION', 'LOCK_DATABASE_URL', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE'];

/** The shared lock's fencing token (bootstrap/instance-guard.ts sets it); a spec can neither forge nor drop it. */
const FENCING_TOKEN_VARIABLE = 'PROCGUARD_FENCING_TOKEN';

/** How long one /proc scan answers `groupAlive` for every group (see liveGroups). */
const GROUP_SCAN_TTL_MS = 5;
/** Times clearGroup asks kill(-pgid, 0) (one event-loop turn apart) before it scans /proc. */
const ZOMBIE_TRIES = 3;
/** Between clearGroup's scans of a SIGKILLed group whose last members are still on their way out. */
const EXITING_POLL_MS = 1;

/** A group's lifeline: who its watcher is, and whether only it may still be left. */
interface Lifeline {
  watcherPid: number | null;
  leaderExited: boolean;
  /** Resolves when the watcher's end of the lifeline closes (it exited). */
  readonly closed: Promise<void>;
  /** Tells the watcher to leave quietly (the group is empty but for it). */
  release(): void;
}

export interface LauncherOptions {
  /** Marks every child (PROCGUARD_OWNER) so a later backend can prove it is ours. */
  readonly owner?: Omit<OwnerMarker, 'name'>;
  readonly baseEnv?: NodeJS.ProcessEnv;
  /** Why nothing may be launched now (a standby of the shared lock), or null. Checked on every launch. */
  readonly refusal?: () => string | null;
  /** Takes each child's stdout/stderr pipes (the log writer); without it the child's output is discarded. */
  readonly output?: OutputSink;
}

/**
 * Spawns each child detached (a session and process-group leader, pgid = pid,
 * so a stop can signal the whole tree and a terminal's Ctrl+C reaches only the
 * backend), through the lifeline wrapper: the group dies with the backend,
 * even by SIGKILL.
 */
export class NodeProcessLauncher implements IProcessLauncher {
  private readonly baseEnv: NodeJS.ProcessEnv;
  private scan: { at: number; groups: ReadonlyMap<number, number[]> } | null = null;
  /** The lifeline of each group this launcher started, until it closes. */
  private readonly lifelines = new Map<number, Lifeline>();

  constructor(
    private readonly processes: ProcessUtils,
    private readonly options: LauncherOptions = {},
  ) {
    this.baseEnv = options.baseEnv ?? process.env;
  }

  get bootId(): string | null {
    return this.processes.bootId();
  }

  async launch(request: LaunchRequest): Promise<ChildHandle> {
    // The one place every start passes (API, host service, reload, restart policy).
    const refused = this.options.refusal?.();
    if (refused) throw new LaunchError(`${request.command}: ${refused}`);
    const env = this.envFor(request);
    const unusable = request.shell ? null : existsSync(request.cwd) ? cannotExecute(request.command, request.cwd, env.PATH) : 'ENOENT';
    if (unusable) throw launchError(request, unusable);
    const output = this.options.output ? 'pipe' : 'ignore';
    const child = spawn(WRAPPER_SHELL, wrapperArgs(request.command, request.args, request.shell), {
      cwd: request.cwd,
      env,
      detached: true,
      // Index 3 is the lifeline; Node opens the backend's end close-on-exec, so no other child holds it.
      // Index 4, for wait_ready, is the child's Node IPC channel (NODE_CHANNEL_FD), read here with a cap.
      stdio: request.readyChannel ? ['ignore', output, output, 'pipe', 'pipe'] : ['ignore', output, output, 'pipe'],
    });
    // Synchronously, before the event loop can read a byte: the pipes go to the log writer, never through here.
    const pipes = this.options.output ? takePipes(child) : null;
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error: NodeJS.ErrnoException) => reject(launchError(request, error.code ?? error.message, error)));
      });
    } catch (error) {
      if (pipes) Object.values(pipes).forEach((handle) => handle?.close());
      throw error;
    }
    const pid = child.pid!;
    const exited = this.watch(child);
    if (pipes) {
      try {
        this.options.output!.attach(request.name, request.logs ?? [{ path: null, streams: ['stdout', 'stderr'], dateFormat: null }], pipes);
      } catch (error) {
        Object.values(pipes).forEach((handle) => handle?.close());
        throw error;
      }
    }
    const readyListeners: (() => void)[] = [];
    const channel = request.readyChannel ? (child.stdio[READY_CHANNEL_FD] as Socket | null) : null;
    if (channel) readReadyMessages(channel, () => readyListeners.forEach((l) => l()));
    return {
      pid,
      pgid: pid,
      startTime: this.processes.inspect(pid)?.startTime ?? null,
      exited,
      onReady: (listener) => readyListeners.push(listener),
    };
  }

  signalGroup(pgid: number, signal: string | 0): boolean {
    if (!Number.isInteger(pgid) || pgid <= 1) return false;
    try {
      process.kill(-pgid, signal as NodeJS.Signals | 0);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Any live (non-zombie) member. kill(-pgid, 0) answers "no members" cheaply;
   * only when some remain is /proc read, because zombies (which init may be slow
   * to reap) count there but are already dead.
   */
  groupAlive(pgid: number): boolean {
    if (!Number.isInteger(pgid) || pgid <= 1) return false;
    try {
      process.kill(-pgid, 0);
    } catch {
      return false;
    }
    if (process.platform !== 'linux') return true;
    const watcher = this.lifelines.get(pgid);
    const alive = (this.liveGroups().get(pgid) ?? []).some((member) => member !== watcher?.watcherPid);
    // Nothing but the watcher is left once the leader has exited: let it go.
    if (!alive && watcher?.leaderExited) watcher.release();
    return alive;
  }

  /** The lifeline watchers of the groups this launcher started: helpers, never counted as the child's processes. */
  helperPids(): ReadonlySet<number> {
    const pids = new Set<number>();
    for (const lifeline of this.lifelines.values()) if (lifeline.watcherPid !== null) pids.add(lifeline.watcherPid);
    return pids;
  }

  /**
   * SIGKILL to the group, then, once the watcher's lifeline closed (it died): kill(-pgid, 0)
   * failing says nothing is left without a /proc scan. A zombie counts there until init reaps
   * it, so after a few tries scans groupAlive makes (zombies left out) decide.
   * The watcher dies with the rest, so until then the group ID cannot be reused.
   */
  async clearGroup(pgid: number, withinMs: number): Promise<boolean> {
    const deadline = performance.now() + withinMs;
    const lifeline = this.lifelines.get(pgid);
    if (process.platform !== 'linux' || !lifeline?.leaderExited || !this.signalGroup(pgid, 'SIGKILL')) return !this.groupAlive(pgid);
    let timer: NodeJS.Timeout | undefined;
    const died = await Promise.race([
      lifeline.closed.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), withinMs))),
    ]);
    clearTimeout(timer);
    if (!died) return false;
    for (let attempt = 0; attempt < ZOMBIE_TRIES; attempt++) {
      if (!this.signalGroup(pgid, 0)) return true;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The watcher's zombie may outlive those tries (init reaps it late: here PID 1 reaps about
    // every 2 s; a container's PID 1 that is no init never does), so /proc decides. A process
    // closes its files (the lifeline) a moment before it turns zombie: the last members may still
    // be on their way out (a watcher killed before it reported its PID counts as a member).
    // Fresh scans until they are, within the caller's bound. Sound without a race: after the
    // group's SIGKILL no member can fork, so no member can appear behind a scan's back.
    while (this.groupAliveNow(pgid)) {
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, EXITING_POLL_MS));
    }
    return true;
  }

  /** groupAlive from a scan made now, not one up to GROUP_SCAN_TTL_MS old. */
  private groupAliveNow(pgid: number): boolean {
    this.scan = null;
    return this.groupAlive(pgid);
  }

  /**
   * The leader's exit, as the `exit` event reports it. The lifeline stays open until the
   * whole group is gone (see groupAlive), so a backend killed while a stop still waits for
   * stubborn grandchildren takes them down too; the watcher's own PID (its first line) is
   * never counted as a member.
   */
  private watch(child: ChildProcess): Promise<ChildExit> {
    const pgid = child.pid!;
    const lifeline = child.stdio[LIFELINE_FD] as Socket;
    // The watcher may be gone already (a group SIGKILL): a write then fails, which is fine.
    lifeline.on('error', () => undefined);
    let closed!: () => void;
    const state: Lifeline = {
      watcherPid: null,
      leaderExited: false,
      closed: new Promise<void>((resolve) => (closed = resolve)),
      release: () => {
        if (!lifeline.destroyed && lifeline.writable) lifeline.end(LEADER_EXITED);
      },
    };
    this.lifelines.set(pgid, state);
    let text = '';
    lifeline.on('data', (chunk: Buffer) => {
      if (state.watcherPid !== null || text.length > 32) return;
      text += chunk.toString('latin1');
      const line = /^(\d+)\n/.exec(text);
      if (line) state.watcherPid = Number(line[1]);
    });
    lifeline.once('close', () => {
      if (this.lifelines.get(pgid) === state) this.lifelines.delete(pgid);
      closed();
    });
    return new Promise<ChildExit>((resolve) =>
      child.once('exit', (code, signal) => {
        state.leaderExited = true;
        // Without /proc the group's members cannot be told from the watcher: let it go now.
        if (process.platform !== 'linux') state.release();
        resolve({ code, signal });
      }),
    );
  }

  /**
   * Process groups with a live (non-zombie) member, from one /proc scan shared by every
   * `groupAlive` within GROUP_SCAN_TTL_MS. After an exit the lifeline watcher lingers as a
   * zombie until init reaps it, so stopping 100 agents polled 100 groups with a scan each
   * (0.8 s of /proc reads); callers poll every few ms anyway, so a scan a few ms old is as good.
   */
  private liveGroups(): ReadonlyMap<number, number[]> {
    const now = performance.now();
    if (this.scan && now - this.scan.at < GROUP_SCAN_TTL_MS) return this.scan.groups;
    const groups = new Map<number, number[]>();
    for (const entry of readdirSync('/proc')) {
      if (entry.charCodeAt(0) > 57) continue;
      const fields = statFields(entry);
      if (!fields || fields[0] === 'Z' || fields[0] === 'X') continue;
      const pgid = Number(fields[2]);
      const members = groups.get(pgid);
      if (members) members.push(Number(entry));
      else groups.set(pgid, [Number(entry)]);
    }
    this.scan = { at: performance.now(), groups };
    return groups;
  }

  startTimeOf(pid: number): string | null {
    return this.processes.inspect(pid)?.startTime ?? null;
  }

  private envFor(request: LaunchRequest): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.baseEnv)) {
      if (value !== undefined && !PRIVATE_ENV.includes(key)) env[key] = value;
    }
    Object.assign(env, request.env);
    if (request.readyChannel) {
      env.NODE_CHANNEL_FD = String(READY_CHANNEL_FD);
      env.NODE_CHANNEL_SERIALIZATION_MODE = 'json';
    }
    // Set last: neither the backend's own environment nor a spec may forge or drop it.
    delete env[OWNER_VARIABLE];
    delete env[FENCING_TOKEN_VARIABLE];
    const fencingToken = this.baseEnv[FENCING_TOKEN_VARIABLE];
    if (fencingToken) env[FENCING_TOKEN_VARIABLE] = fencingToken;
    if (this.options.owner) env[OWNER_VARIABLE] = formatMarker({ ...this.options.owner, name: request.name });
    return env;
  }
}

/** A libuv pipe handle (Node's internal `_handle` of a child's stdio socket). */
interface PipeHandle {
  readStop(): number;
  close(): void;
}

/**
 * Takes the child's stdout/stderr pipe handles from Node's sockets and stops their reading
 * (started when the sockets were made, but no byte is read before the event loop turns),
 * so they can be handed to the log writer with no byte read here.
 */
function takePipes(child: ChildProcess): Record<LogStreamName, PipeHandle | null> {
  const take = (socket: unknown): PipeHandle | null => {
    const holder = socket as { _handle: PipeHandle | null; destroy(): void } | null;
    const handle = holder?._handle ?? null;
    if (!holder || !handle) return null;
    handle.readStop();
    holder._handle = null;
    holder.destroy();
    return handle;
  };
  return { stdout: take(child.stdout), stderr: take(child.stderr) };
}

function launchError(request: LaunchRequest, code: string, cause?: Error): LaunchError {
  return new LaunchError(`${request.command}: ${code}${code === 'ENOENT' ? ' (command or cwd not found)' : ''}`, { cause });
}

/** One buffer for every read of a scan; a longer stat line is cut, and only its first fields are read. */
const STAT_BUFFER = Buffer.alloc(4096);

/**
 * Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, …]. open/read/close into
 * one buffer: readFileSync's fstat and fresh buffer per file were 10-20 % of a scan's time.
 */
function statFields(pid: string): string[] | null {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return null;
  }
  try {
    const length = readSync(fd, STAT_BUFFER, 0, STAT_BUFFER.length, 0);
    const stat = STAT_BUFFER.toString('latin1', 0, length);
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
