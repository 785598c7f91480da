import { spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { LIFELINE_FD, WRAPPER_SHELL, wrapperArgs } from './lifeline-wrapper.js';

/** How long a JavaScript ecosystem file may take to produce its config. */
export const ECOSYSTEM_TIMEOUT_MS = 5000;

/** Bytes of the child's stderr kept to explain a failure; the rest is read and dropped. */
const STDERR_KEPT_BYTES = 4096;

/**
 * Runs in the short-lived child: imports the file (CommonJS or ESM, as Node decides from its
 * extension and package.json), takes `export default` / `module.exports` (or the named
 * exports), and writes one line on fd 3, `{"ok":true,"value":…}` or `{"ok":false,"reason":…}`,
 * so what the file itself prints cannot mix in. Then it ends its own process group (it is the
 * leader, so the group is surely its own): nothing the file started outlives the evaluation.
 * The line goes on fd 4: fd 3 is the lifeline of the agents' wrapper, which the evaluation runs in too.
 */
const RESULT_FD = 4;

const EVALUATOR = String.raw`
const RESULT_FD = ${RESULT_FD};
import { createWriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
const file = process.argv[1];
const finish = (message) => {
  createWriteStream('', { fd: RESULT_FD }).end(JSON.stringify(message) + '\n', () => {
    try { process.kill(-process.pid, 'SIGKILL'); } catch {}
    process.exit(0);
  });
};
const where = (error) => {
  const stack = typeof error?.stack === 'string' ? error.stack : '';
  for (const name of [file, pathToFileURL(file).href]) {
    const i = stack.indexOf(name + ':');
    const at = i === -1 ? null : /^:(\d+)/.exec(stack.slice(i + name.length));
    if (at) return ' (line ' + at[1] + ')';
  }
  return '';
};
const describe = (error) => (error instanceof Error ? error.name + ': ' + error.message : 'threw ' + String(error));
try {
  const ns = await import(pathToFileURL(file).href);
  const value = await (ns.default !== undefined ? ns.default : { ...ns });
  let line;
  try {
    line = { ok: true, value: value === undefined ? null : value };
    JSON.stringify(line);
  } catch (error) {
    line = { ok: false, reason: 'its export cannot be turned into JSON: ' + (error instanceof Error ? error.message : String(error)) };
  }
  finish(line);
} catch (error) {
  finish({ ok: false, reason: describe(error) + where(error) });
}
`;

/**
 * The backend's variables a config file has no business with. NODE_CHANNEL_*: a backend started
 * with an IPC channel would make the evaluator open its fd 3 (the result pipe) as one.
 */
const PRIVATE_ENV = ['API_TOKEN', 'PROCGUARD_DEV_SESSION', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE'];

let setprivChecked: boolean | null = null;

/** util-linux setpriv, to tie the evaluator to the backend with PR_SET_PDEATHSIG. */
function hasSetpriv(): boolean {
  setprivChecked ??= process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  return setprivChecked;
}

export type EcosystemResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

export interface EvaluateOptions {
  readonly timeoutMs?: number;
  /** Largest JSON the file may produce. */
  readonly maxBytes: number;
}

/**
 * Evaluates a PM2 `ecosystem.config.{js,cjs,mjs}` in a separate Node process and returns what
 * it exports, parsed. The backend never runs the file's code itself: a file that loops, waits
 * for ever, exits, or prints megabytes costs one child, killed (with its process group) at the
 * timeout or at the size cap. Never rejects: every failure is a `reason` for the config error.
 */
export function evaluateEcosystemFile(path: string, options: EvaluateOptions): Promise<EcosystemResult> {
  const timeoutMs = options.timeoutMs ?? ECOSYSTEM_TIMEOUT_MS;
  return new Promise((resolve) => {
    // Through the agents' lifeline wrapper (the shell execs node: the PID is node's, the group's
    // leader): its watcher ends the group if the backend dies, so what the file started goes too.
    const wrapped = [WRAPPER_SHELL, ...wrapperArgs(process.execPath, ['--input-type=module', '-e', EVALUATOR, '--', path], false)];
    // SIGKILL at once if the backend dies, even by SIGKILL: a file busy in a loop never yields to a SIGTERM.
    const [file, ...args] = hasSetpriv() ? ['setpriv', '--pdeathsig', 'SIGKILL', '--', ...wrapped] : wrapped;
    const env = { ...process.env };
    for (const key of PRIVATE_ENV) delete env[key];
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      // PM2 files read process.env (NODE_ENV, secrets), so the child sees ours, less procguard's own.
      env,
      // Its own group, so that the timeout also ends whatever the file started.
      detached: true,
    });
    const result: Buffer[] = [];
    let resultBytes = 0;
    let stderr = '';
    let failure: string | null = null;
    let exited = false;

    const stop = (reason: string) => {
      failure ??= reason;
      // Only while it runs: after its exit the group id could name someone else's group.
      if (!exited && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    };
    const timer = setTimeout(() => stop(`did not finish within ${timeoutMs} ms (is it waiting for something?)`), timeoutMs);
    // A backend that exits meanwhile (a forced shutdown, exit 2) takes the evaluation's group with it.
    const onExit = () => stop('the backend exited');
    process.once('exit', onExit);

    // The lifeline: the watcher writes its PID, then holds the group (so its id is still ours) until killed.
    const lifeline = child.stdio[LIFELINE_FD] as Readable;
    let lifelineOpen = true;
    lifeline.on('close', () => (lifelineOpen = false));
    lifeline.resume();
    (child.stdio[RESULT_FD] as Readable).on('data', (chunk: Buffer) => {
      resultBytes += chunk.length;
      if (resultBytes > options.maxBytes) stop(`exports more than ${options.maxBytes} bytes of config as JSON; the cap is ${options.maxBytes}`);
      else result.push(chunk);
    });
    // Drained so the child never blocks on a full pipe; only the start of stderr is kept.
    child.stdout?.resume();
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_KEPT_BYTES) stderr += chunk.toString('utf8').slice(0, STDERR_KEPT_BYTES - stderr.length);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      process.removeListener('exit', onExit);
      resolve({ ok: false, reason: `cannot start node to evaluate it: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      process.removeListener('exit', onExit);
      if (failure !== null) return resolve({ ok: false, reason: failure });
      const text = Buffer.concat(result).toString('utf8');
      // The line ends with "\n" only when the child wrote all of it.
      if (!text.endsWith('\n')) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const said = firstLine(stderr);
        return resolve({ ok: false, reason: `${how} before exporting its config${said ? `: ${said}` : ' (did it call process.exit?)'}` });
      }
      try {
        const line = JSON.parse(text) as { ok: boolean; value?: unknown; reason?: string };
        resolve(line.ok ? { ok: true, value: line.value } : { ok: false, reason: `failed to evaluate: ${String(line.reason)}` });
      } catch {
        resolve({ ok: false, reason: 'wrote a result that cannot be read' });
      }
    });
    child.on('exit', (_code, signal) => {
      exited = true;
      // The file's node exited on its own (process.exit, a crash; a SIGKILL is the evaluator's own
      // or the timeout's, of the whole group): the watcher, and whatever the file started, are
      // left in the group, which the open lifeline proves is still the evaluation's.
      if (signal !== 'SIGKILL' && lifelineOpen && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is already empty
        }
      }
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
