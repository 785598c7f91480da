import { ago, bytes, duration, paintFor, paintState, table } from '../operator/human-format.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';
import type { ProcessStatusView } from '../operator/api-types.js';

/** `procguard status` (alias `ls`): the processes as a table, or the API's list with --json. */
export const statusCommand = operatorCommand({
  name: 'status',
  aliases: ['ls'],
  summary: 'List the processes: state, pid, uptime, restarts, CPU, memory, last exit (alias: ls)',
  usage: 'procguard status [--json]',
  description: [
    'Shows every managed process of the instance running for the data directory. CPU and',
    'memory are shown where the backend samples them ("-" otherwise).',
  ],
  options: {},
  async run(context) {
    const { api } = context.connect();
    const { body } = await api.get<{ processes: ProcessStatusView[] }>('/api/processes');
    if (context.json) {
      printJson(body);
      return 0;
    }
    const paint = paintFor(process.stdout);
    if (body.processes.length === 0) {
      process.stdout.write('No processes are declared.\n');
      return 0;
    }
    const rows = body.processes.map((p) => [
      p.name,
      paintState(p.state, paint),
      p.pid === null ? '-' : String(p.pid),
      p.uptimeSeconds === null ? '-' : duration(p.uptimeSeconds),
      String(p.restarts),
      p.resources ? `${p.resources.cpuPercent.toFixed(1)}%` : '-',
      p.resources ? bytes(p.resources.rssBytes) : '-',
      lastExit(p),
      p.reason ?? '-',
    ]);
    process.stdout.write(table(['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'CPU', 'MEMORY', 'LAST EXIT', 'REASON'], rows, paint));
    return 0;
  },
});

function lastExit(p: ProcessStatusView): string {
  if (!p.lastExit) return '-';
  const how = p.lastExit.signal ? p.lastExit.signal : `code ${p.lastExit.code}`;
  return `${how}, ${ago(p.lastExit.at)}`;
}
