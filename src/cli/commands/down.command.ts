import { setTimeout as sleep } from 'node:timers/promises';
import { provenAlive, requireInstance } from '../operator/instance-locator.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';
import { OPERATOR_EXIT, OperatorError } from '../operator/operator-exit.js';

/** `procguard down [--timeout S] [--force]`: SIGTERM to the instance the PID file proves alive. */
export const downCommand = operatorCommand({
  name: 'down',
  summary: 'Stop the instance gracefully (SIGTERM); --force kills it after --timeout',
  usage: 'procguard down [--timeout S] [--force] [--json]',
  description: [
    'Sends SIGTERM to the instance the PID file names, only once the kernel proves that PID is',
    'still that process (same start time), and waits for it to exit (it stops its processes first).',
    'When it has not exited after --timeout seconds: exit 1, or with --force SIGKILL (proved again first).',
  ],
  optionHelp: [
    '  --timeout <S>         Seconds to wait for it to exit (default 30)',
    '  --force               SIGKILL it when it has not exited in time',
  ],
  options: { timeout: { type: 'string' }, force: { type: 'boolean' } },
  validate: (values) => (values.timeout !== undefined && !/^\d+$/.test(String(values.timeout)) ? '--timeout must be a whole number of seconds.' : null),
  async run(context, values) {
    const { record } = requireInstance(context.place);
    if (!provenAlive(record)) {
      throw new OperatorError(
        `PID ${record.pid} cannot be proven to be the instance (the PID file has no start time to compare); not signalling it.`,
        OPERATOR_EXIT.failed,
      );
    }
    const timeoutS = Number(values.timeout ?? 30);
    process.kill(record.pid, 'SIGTERM');
    if (!context.json) process.stdout.write(`procguard: sent SIGTERM to pid ${record.pid}; waiting up to ${timeoutS} s\n`);
    if (await exited(record, timeoutS * 1000)) return done(context.json, record.pid, 'stopped');
    if (values.force !== true) {
      throw new OperatorError(`PID ${record.pid} is still running after ${timeoutS} s (use --force to kill it).`, OPERATOR_EXIT.failed);
    }
    if (!provenAlive(record)) return done(context.json, record.pid, 'stopped');
    process.kill(record.pid, 'SIGKILL');
    if (await exited(record, 10_000)) return done(context.json, record.pid, 'killed');
    throw new OperatorError(`PID ${record.pid} survived SIGKILL for 10 s.`, OPERATOR_EXIT.failed);
  },
});

async function exited(record: Parameters<typeof provenAlive>[0], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!provenAlive(record)) return true;
    await sleep(50);
  }
  return !provenAlive(record);
}

function done(json: boolean, pid: number, how: 'stopped' | 'killed'): number {
  if (json) printJson({ pid, result: how });
  else process.stdout.write(`procguard: pid ${pid} ${how}\n`);
  return OPERATOR_EXIT.ok;
}
