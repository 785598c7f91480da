import type { ClusterLockHeldError } from '../domain/lifecycle.errors.js';

/** What a refused host prints: which host is active for the shared lock and how to reach it. */
export function formatClusterRefusal(error: ClusterLockHeldError, now: Date): string {
  const holder = error.holder;
  const lines = [`procguard: another instance is already active for the lock "${error.lockKey}" (LOCK_KEY).`, ''];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(15)} ${value}`);
  if (holder) {
    row('Host', holder.hostname);
    row('PID', String(holder.pid));
    row('Instance id', holder.instanceId);
    row('Active since', `${holder.acquiredAt} (${formatAge(now.getTime() - Date.parse(holder.acquiredAt))} ago)`);
    row('Fencing token', holder.fencingToken);
    row('Health', `curl ${holder.healthUrl}`);
    if (!holder.confirmed) row('Note', 'this record may be the previous holder\'s: the new one is still publishing itself');
  } else {
    row('Holder', 'unknown: it has not published itself yet');
  }
  lines.push('', 'Nothing was started, and the active instance was not touched.');
  lines.push('Set LOCK_STANDBY=true to wait as a standby and take over when it stops.');
  return lines.join('\n');
}

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
