import { paintFor, table } from '../operator/human-format.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';

interface HealthBody {
  readonly status: string;
  readonly details?: Record<string, { status: string; [key: string]: unknown }>;
}

/** `procguard health`: /api/health as a table; exit 1 when the instance is not healthy. */
export const healthCommand = operatorCommand({
  name: 'health',
  summary: 'Show the instance and its health checks; exit 1 when unhealthy',
  usage: 'procguard health [--json]',
  description: ['Prints the instance (pid, URL, instance id) and each check of /api/health.'],
  options: {},
  async run(context) {
    const { api, instance } = context.connect();
    const { status, body } = await api.get<HealthBody>('/api/health', { accept: [503] });
    const healthy = status === 200;
    if (context.json) {
      printJson({ pid: instance.record.pid, url: instance.baseUrl, instanceId: instance.record.instanceId, healthy, health: body });
      return healthy ? 0 : 1;
    }
    const paint = paintFor(process.stdout);
    const r = instance.record;
    process.stdout.write(`Instance ${r.instanceId}: pid ${r.pid}, ${instance.baseUrl}, started ${r.startedAt}\n`);
    process.stdout.write(`Health: ${healthy ? paint.green(body.status) : paint.red(body.status ?? String(status))}\n\n`);
    const rows = Object.entries(body.details ?? {}).map(([name, detail]) => {
      const { status: checkStatus, ...rest } = detail;
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' ');
      return [name, checkStatus === 'up' ? paint.green(checkStatus) : paint.red(checkStatus), extra.length > 120 ? `${extra.slice(0, 117)}...` : extra];
    });
    if (rows.length > 0) process.stdout.write(table(['CHECK', 'STATUS', 'DETAILS'], rows, paint));
    return healthy ? 0 : 1;
  },
});
