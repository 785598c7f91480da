import { matchesPattern } from '../../supervisor/domain/name-pattern.js';
import type { CliCommand } from './cli-command.js';
import { messageOf } from '../operator/api-client.js';
import type { ProcessStatusView } from '../operator/api-types.js';
import { paintFor, paintState, table } from '../operator/human-format.js';
import { operatorCommand } from '../operator/operator-command.js';
import { printJson } from '../operator/operator-context.js';
import { OPERATOR_EXIT, OperatorError } from '../operator/operator-exit.js';

type Action = 'start' | 'stop' | 'restart';

const SUMMARY: Record<Action, string> = {
  start: 'Start processes by name or pattern (web-*, all)',
  stop: 'Stop processes by name or pattern (remembered across restarts)',
  restart: 'Restart processes by name or pattern',
};

/** `procguard start|stop|restart <name or pattern|all>...`: one API call per matching instance. */
function actionCommand(action: Action): CliCommand {
  return operatorCommand({
    name: action,
    summary: SUMMARY[action],
    usage: `procguard ${action} <name or pattern|all>... [--json]`,
    description: [
      `${action[0].toUpperCase()}${action.slice(1)}s every instance whose name (web-1) or process name (web)`,
      'matches: `*` is any run of characters, `?` one character (quote them from the shell), `all` is',
      'every process. An operator\'s start and stop are remembered by the backend across its restarts.',
    ],
    options: {},
    positionals: { min: 1, max: 64, what: 'a process name or pattern (or "all")' },
    async run(context, _values, args) {
      const { api } = context.connect();
      const { body } = await api.get<{ processes: ProcessStatusView[] }>('/api/processes');
      const patterns = args.map((a) => (a === 'all' ? '*' : a));
      const names = new Set<string>();
      for (const pattern of patterns) {
        const matched = body.processes.filter((p) => matchesPattern(pattern, p.name) || matchesPattern(pattern, p.specName));
        // A plain name that matches nothing still goes to the API: its 404 names the instances there are.
        if (matched.length === 0 && !/[*?]/.test(pattern)) names.add(pattern);
        if (matched.length === 0 && /[*?]/.test(pattern)) throw new OperatorError(`No process matches "${pattern}".`, OPERATOR_EXIT.failed);
        for (const p of matched) names.add(p.name);
      }
      const results = await Promise.all(
        [...names].map(async (name) => {
          const answer = await api.post<ProcessStatusView>(`/api/processes/${encodeURIComponent(name)}/${action}`, { accept: [400, 404, 409, 422, 500, 503] });
          return answer.status === 200
            ? { name, ok: true as const, status: answer.body }
            : { name, ok: false as const, error: `${answer.status}: ${messageOf(answer.body)}` };
        }),
      );
      const failed = results.filter((r) => !r.ok || r.status.state === 'failed');
      if (context.json) {
        printJson({ action, results });
      } else {
        const paint = paintFor(process.stdout);
        const rows = results.map((r) =>
          r.ok ? [r.name, paintState(r.status.state, paint), r.status.pid === null ? '-' : String(r.status.pid), r.status.reason ?? '-'] : [r.name, paint.red('error'), '-', r.error],
        );
        process.stdout.write(table(['NAME', 'STATE', 'PID', 'REASON'], rows, paint));
      }
      return failed.length > 0 ? OPERATOR_EXIT.failed : OPERATOR_EXIT.ok;
    },
  });
}

export const startCommand = actionCommand('start');
export const stopCommand = actionCommand('stop');
export const restartCommand = actionCommand('restart');
