import type { InstanceAlreadyRunningError } from '../domain/lifecycle.errors.js';

export interface RefusalContext {
  readonly dataDir: string;
  readonly pidFilePath: string;
  readonly now: Date;
}

/** What a refused duplicate prints: who holds the data directory and what to do about it. */
export function formatRefusal(error: InstanceAlreadyRunningError, ctx: RefusalContext): string {
  const holder = error.holder;
  const lines = ['procguard: another instance is already running for this data directory.', ''];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(15)} ${value}`);
  row('Data directory', ctx.dataDir);
  if (holder) {
    const started = new Date(holder.startedAt);
    row('PID', `${holder.pid}${holder.role === 'dev-session' ? '  (a `procguard dev` session)' : ''}`);
    row('Started', `${holder.startedAt} (${formatAge(ctx.now.getTime() - started.getTime())} ago)`);
    row('Port', `${bracketed(holder.host)}:${holder.port}`);
    row('Health', `curl http://${reachableHost(holder.host)}:${holder.port}/api/health`);
    row('Stop it', `kill -TERM ${holder.pid}`);
  } else {
    row('Holder', `unknown: ${error.reason}`);
    row('Lock', `${ctx.pidFilePath}.lock`);
  }
  row('PID file', ctx.pidFilePath);
  lines.push('', 'Nothing was started, and the running instance was not touched.');
  if (!holder) lines.push('If you are sure nothing runs, wait 3 s (the lock ages out) and start again.');
  return lines.join('\n');
}

function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return bracketed(host);
}

function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
