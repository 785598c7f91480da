import type { StoredEventView } from '../operator/api-types.js';
import { ago, paintFor, table } from '../operator/human-format.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';

/** `procguard history <name>`: the process's stored events, newest first. */
export const historyCommand = operatorCommand({
  name: 'history',
  summary: 'Show the stored lifecycle events of one process, newest first',
  usage: 'procguard history <name> [--limit N] [--json]',
  description: ['The state changes the backend recorded for the process (they survive restarts of the backend).'],
  optionHelp: ['  --limit <N>           How many events (1 to 500, default 20)'],
  options: { limit: { type: 'string' } },
  positionals: { min: 1, max: 1, what: 'a process name' },
  validate: (values) => (values.limit !== undefined && !/^\d+$/.test(String(values.limit)) ? '--limit must be a whole number.' : null),
  async run(context, values, [name]) {
    const { api } = context.connect();
    const limit = typeof values.limit === 'string' ? values.limit : '20';
    const { body } = await api.get<{ events: StoredEventView[] }>(`/api/processes/${encodeURIComponent(name)}/history?limit=${limit}`);
    if (context.json) {
      printJson(body);
      return 0;
    }
    process.stdout.write(eventTable(body.events));
    return 0;
  },
});

/** Events as a table: when, name, transition, pid, exit, reason. */
export function eventTable(events: readonly StoredEventView[]): string {
  const paint = paintFor(process.stdout);
  if (events.length === 0) return 'No events.\n';
  const rows = events.map((e) => [
    ago(e.at),
    e.name,
    `${e.from} -> ${e.to}`,
    e.pid === null ? '-' : String(e.pid),
    e.signal ?? (e.exitCode === null ? '-' : String(e.exitCode)),
    e.reason,
  ]);
  return table(['WHEN', 'NAME', 'CHANGE', 'PID', 'EXIT', 'REASON'], rows, paint);
}
