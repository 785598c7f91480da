import type { CommandValues } from '../commands/cli-command.js';
import { ApiClient } from './api-client.js';
import { instancePlace, requireInstance, type InstancePlace, type RunningInstance } from './instance-locator.js';

/** The options every operator command takes. */
export const COMMON_OPTIONS = {
  'data-dir': { type: 'string', short: 'd' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Their help lines. */
export const COMMON_HELP = [
  '  -d, --data-dir <dir>  The instance\'s data directory (default: DATA_DIR, else ./data)',
  '  --token <token>       The API token (default: API_TOKEN from the environment)',
  '  --json                Print JSON for scripts instead of text',
  '  -h, --help            Show this help',
];

/** What an operator command runs with: where, how to reach the API, and how to print. */
export interface OperatorContext {
  readonly place: InstancePlace;
  readonly json: boolean;
  readonly token: string | null;
  /** @throws OperatorError exit 3 when nothing runs for the data directory. */
  connect(): { instance: RunningInstance; api: ApiClient };
}

export function operatorContext(values: CommandValues, env: NodeJS.ProcessEnv = process.env): OperatorContext {
  const place = instancePlace(typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined, env);
  const token = typeof values.token === 'string' && values.token !== '' ? values.token : env.API_TOKEN || null;
  return {
    place,
    json: values.json === true,
    token,
    connect() {
      const instance = requireInstance(place);
      return { instance, api: new ApiClient(instance.baseUrl, token) };
    },
  };
}

/** Prints one JSON document (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
