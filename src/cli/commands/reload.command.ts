import type { ReloadOutcomeView } from '../operator/api-types.js';
import { paintFor } from '../operator/human-format.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';

/** `procguard reload`: POST /api/reload (the SIGHUP reload) and what it did; exit 1 when the file was rejected. */
export const reloadCommand = operatorCommand({
  name: 'reload',
  summary: 'Reload the process config and show what was started, stopped, restarted (or why rejected)',
  usage: 'procguard reload [--last] [--json]',
  description: [
    'Asks the backend to read its process config again, as SIGHUP does, and waits for the',
    'result: the processes started, stopped and restarted, or why the file was rejected (then',
    'nothing changed and the exit code is 1). --last shows the last reload\'s outcome without reloading.',
  ],
  optionHelp: ['  --last                Show the last reload (SIGHUP or API) instead of reloading'],
  options: { last: { type: 'boolean' } },
  async run(context, values) {
    const { api } = context.connect();
    const answer =
      values.last === true
        ? await api.get<ReloadOutcomeView>('/api/reload', { accept: [404] })
        : await api.post<ReloadOutcomeView>('/api/reload');
    if (answer.status === 404) {
      if (context.json) printJson(null);
      else process.stdout.write('No reload has happened since the backend started.\n');
      return 0;
    }
    const outcome = answer.body;
    if (context.json) {
      printJson(outcome);
      return outcome.ok ? 0 : 1;
    }
    const paint = paintFor(process.stdout);
    if (!outcome.ok) {
      process.stdout.write(`${paint.red('Reload rejected')} (${outcome.source}, ${outcome.at}): ${outcome.error}\nThe running processes were kept as they were.\n`);
      return 1;
    }
    const list = (names: readonly string[]) => (names.length ? names.join(', ') : '-');
    process.stdout.write(
      `${paint.green('Reloaded')} (${outcome.source}, ${outcome.at})\n` +
        `  started:   ${list(outcome.started)}\n  stopped:   ${list(outcome.stopped)}\n` +
        `  restarted: ${list(outcome.restarted)}\n  unchanged: ${outcome.unchanged}\n`,
    );
    return 0;
  },
});
