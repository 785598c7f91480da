import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { constants } from 'node:os';
import { lookUpInstance } from '../operator/instance-locator.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';
import { OPERATOR_EXIT, OperatorError } from '../operator/operator-exit.js';
import { ensureDir, logTail, openServerLog, requireServerEntry, spawnDetached, spawnForeground } from '../operator/server-launch.js';

/** The detached server's log, in its data directory. */
export const SERVER_LOG = 'procguard.log';

/** `procguard up [--detach]`: the server for the data directory, in the foreground or as a daemon. */
export const upCommand = operatorCommand({
  name: 'up',
  summary: 'Start the server for the data directory (in the foreground, or --detach)',
  usage: 'procguard up [--detach [--timeout S]] [--json]',
  description: [
    'Runs this package\'s server (dist/main.js) for the data directory, with the same',
    'single-instance guard: when one already runs there, the refusal is shown and the exit code is 3.',
    'In the foreground its output is on this terminal and Ctrl+C stops it. With --detach it runs',
    `in its own session, stdin from /dev/null, output appended to <data dir>/${SERVER_LOG}, and this`,
    'command returns once it is healthy (exit 0, printing its pid and URL) or has failed (printing',
    'why, with the tail of its log). The rest of the configuration comes from the environment.',
  ],
  optionHelp: [
    '  --detach              Run it in the background and return once it is healthy',
    '  --timeout <S>         With --detach: seconds to wait for it to be healthy (default 60)',
  ],
  options: { detach: { type: 'boolean' }, timeout: { type: 'string' } },
  validate: (values) => (values.timeout !== undefined && !/^\d+$/.test(String(values.timeout)) ? '--timeout must be a whole number of seconds.' : null),
  async run(context, values) {
    const entry = requireServerEntry();
    if (!entry) throw new OperatorError('The server is not built: dist/main.js is missing next to this bin (run `npm run build`).', OPERATOR_EXIT.failed);
    const env = { ...process.env, DATA_DIR: context.place.dataDir };
    if (values.detach !== true) return foreground(entry, env);

    const logPath = join(context.place.dataDir, SERVER_LOG);
    let log: { fd: number; startOffset: number };
    try {
      ensureDir(context.place.dataDir);
      log = openServerLog(logPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ELOOP' ? 'it is a symlink' : `${code ?? (error as Error).message}`;
      throw new OperatorError(`Cannot open the server log ${logPath}: ${why}.`, OPERATOR_EXIT.failed);
    }
    const child = spawnDetached(entry, env, log.fd);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    child.once('exit', (code, signal) => (exit = { code, signal }));
    const deadline = Date.now() + Number(values.timeout ?? 60) * 1000;
    try {
      while (Date.now() < deadline) {
        if (exit) return failed(context.json, logPath, log.startOffset, exit);
        const found = lookUpInstance(context.place);
        if (found.kind === 'running' && found.instance.record.pid === child.pid && (await ready(found.instance.baseUrl))) {
          const { pid } = found.instance.record;
          if (context.json) printJson({ pid, url: found.instance.baseUrl, log: logPath });
          else process.stdout.write(`procguard: started, pid ${pid}, ${found.instance.baseUrl} (log: ${logPath})\n`);
          return OPERATOR_EXIT.ok;
        }
        await sleep(100);
      }
      if (exit) return failed(context.json, logPath, log.startOffset, exit);
      const tail = logTail(logPath, log.startOffset);
      throw new OperatorError(
        `The server (pid ${child.pid}) is not healthy after ${values.timeout ?? 60} s; it keeps running (\`procguard down\` stops it). ` +
          `Its log (${logPath}):\n${tail}`,
        OPERATOR_EXIT.failed,
      );
    } finally {
      child.unref();
    }
  },
});

async function ready(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/api/health/ready`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function failed(json: boolean, logPath: string, offset: number, exit: { code: number | null; signal: NodeJS.Signals | null }): number {
  const tail = logTail(logPath, offset);
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  // The server's own refusal (another instance holds the data directory) is exit 3, as here.
  const code = exit.code === OPERATOR_EXIT.noInstance ? OPERATOR_EXIT.noInstance : OPERATOR_EXIT.failed;
  if (json) printJson({ error: `the server ${how}`, exitCode: exit.code, signal: exit.signal, log: logPath, tail });
  process.stderr.write(`procguard: the server ${how} before it was healthy. Its log (${logPath}):\n${tail}\n`);
  return code;
}

/** The server on this terminal: signals sent to this command are passed on; its exit code is ours. */
async function foreground(entry: string, env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawnForeground(entry, env);
  // Ctrl+C reaches the server from the terminal too; the server counts repeats within 1 s as one.
  const forward = (signal: NodeJS.Signals) => () => void (child.exitCode === null && child.kill(signal));
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  for (const [sig, handler] of handlers) process.off(sig, handler);
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}
