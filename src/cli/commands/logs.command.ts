import { follow } from '../operator/follow.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';

/** `procguard logs <name> [--lines N] [--follow]`. */
export const logsCommand = operatorCommand({
  name: 'logs',
  summary: 'Print the captured output of one process; --follow streams new lines',
  usage: 'procguard logs <name> [--lines N] [--follow] [--json]',
  description: [
    'Prints the last lines the process wrote (stdout and stderr, as the backend keeps them in',
    'memory). With --follow, keeps printing new lines as they come until Ctrl+C; a lost',
    'connection is resumed where it stopped (lines the backend no longer holds are reported as a gap).',
  ],
  optionHelp: ['  -n, --lines <N>       How many past lines (1 to 500; default 100, or 10 with --follow)', '  -f, --follow          Keep streaming new lines'],
  options: { lines: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } },
  positionals: { min: 1, max: 1, what: 'a process name' },
  validate: (values) => (values.lines !== undefined && !/^\d+$/.test(String(values.lines)) ? '--lines must be a whole number.' : null),
  async run(context, values, [name]) {
    const { api } = context.connect();
    const path = encodeURIComponent(name);
    if (values.follow !== true) {
      const lines = typeof values.lines === 'string' ? values.lines : '100';
      const { body } = await api.get<{ lines: string[] }>(`/api/processes/${path}/logs?lines=${lines}`);
      if (context.json) printJson(body);
      else for (const line of body.lines) process.stdout.write(`${line}\n`);
      return 0;
    }
    const first = typeof values.lines === 'string' ? values.lines : '10';
    return follow({
      place: context.place,
      headers: api.headers(),
      path: (resuming) => `/api/processes/${path}/logs/stream?lines=${resuming ? 0 : first}`,
      // Log sequence numbers start again at 1 in each backend run.
      idsSurviveRestart: false,
      onMessage: (message) => {
        if (context.json) {
          process.stdout.write(`${JSON.stringify({ event: message.event, ...(JSON.parse(message.data) as object) })}\n`);
        } else if (message.event === 'log') {
          const line = JSON.parse(message.data) as { stream: string; text: string };
          (line.stream === 'stderr' ? process.stderr : process.stdout).write(`${line.text}\n`);
        } else if (message.event === 'gap') {
          const { missed } = JSON.parse(message.data) as { missed: number };
          process.stderr.write(`procguard: ${missed} line(s) were dropped before they could be sent\n`);
        }
      },
    });
  },
});
