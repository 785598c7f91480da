import { matchesPattern } from '../../supervisor/domain/name-pattern.js';
import type { ProcessStatusView, StoredEventView } from '../operator/api-types.js';
import { follow } from '../operator/follow.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';
import { eventTable } from './history.command.js';

/** `procguard events [--follow] [--name P]`. */
export const eventsCommand = operatorCommand({
  name: 'events',
  summary: 'Show recent lifecycle events; --follow streams them live (reloads too)',
  usage: 'procguard events [--name <pattern>] [--lines N] [--follow] [--json]',
  description: [
    'Without --follow: the latest stored events of the processes (all, or those --name matches),',
    'newest last. With --follow: every event as it happens, including reload.succeeded and',
    'reload.failed, until Ctrl+C; after a lost connection (a backend restart) it resumes with',
    'Last-Event-ID, so no stored event is missed.',
  ],
  optionHelp: [
    '  --name <pattern>      Only processes whose name matches (`*`, `?`)',
    '  -n, --lines <N>       How many past events without --follow (1 to 500, default 20)',
    '  -f, --follow          Keep streaming new events',
  ],
  options: { name: { type: 'string' }, lines: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } },
  validate: (values) => (values.lines !== undefined && !/^\d+$/.test(String(values.lines)) ? '--lines must be a whole number.' : null),
  async run(context, values) {
    const { api } = context.connect();
    const pattern = typeof values.name === 'string' ? values.name : '*';
    if (values.follow === true) {
      return follow({
        place: context.place,
        headers: api.headers(),
        path: () => '/api/events',
        idsSurviveRestart: true,
        onMessage: (message) => {
          if (message.event !== 'process' && !message.event.startsWith('reload.')) return;
          const event = JSON.parse(message.data) as StoredEventView;
          if (message.event === 'process' && !matchesPattern(pattern, event.name)) return;
          if (context.json) process.stdout.write(`${JSON.stringify({ event: message.event, ...event })}\n`);
          else process.stdout.write(liveLine(message.event, event));
        },
      });
    }
    const limit = Math.min(Math.max(Number(values.lines ?? 20), 1), 500);
    const { body } = await api.get<{ processes: ProcessStatusView[] }>('/api/processes');
    const names = [...new Set(body.processes.filter((p) => matchesPattern(pattern, p.name)).map((p) => p.name))];
    const pages = await Promise.all(
      names.map((name) => api.get<{ events: StoredEventView[] }>(`/api/processes/${encodeURIComponent(name)}/history?limit=${limit}`)),
    );
    const events = pages.flatMap((p) => p.body.events).sort((a, b) => a.id - b.id).slice(-limit);
    if (context.json) printJson({ events });
    else process.stdout.write(eventTable(events));
    return 0;
  },
});

function liveLine(type: string, e: StoredEventView): string {
  const time = e.at.slice(11, 23);
  if (type.startsWith('reload.')) return `${time}  ${type}  ${e.reason}\n`;
  const pid = e.pid === null ? '' : ` pid ${e.pid}`;
  const exit = e.signal ? ` ${e.signal}` : e.exitCode === null ? '' : ` exit ${e.exitCode}`;
  return `${time}  ${e.name}  ${e.from} -> ${e.to}${pid}${exit}: ${e.reason}\n`;
}
