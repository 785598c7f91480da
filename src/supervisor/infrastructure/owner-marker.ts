import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/** The environment variable every child gets; its descendants inherit it. */
export const OWNER_VARIABLE = 'PROCGUARD_OWNER';

/** Who started a child: which data directory, which backend process, which instance. */
export interface OwnerMarker {
  /** Hash of the data directory's real path: two data directories never share it. */
  readonly dataDirKey: string;
  /** The backend's instance id (unique per backend process). */
  readonly instanceId: string;
  readonly backendPid: number;
  /** The backend's kernel start time, so a reused backend PID is not taken for it. */
  readonly backendStartTime: string;
  /** The instance name the child runs as (for logs only). */
  readonly name: string;
}

/** The key of a data directory: the same for every spelling of its path. */
export function dataDirKey(dataDir: string): string {
  let path = resolve(dataDir);
  try {
    path = realpathSync(path);
  } catch {
    // Not created yet: the resolved path is what the backend will create.
  }
  return createHash('sha256').update(path).digest('hex').slice(0, 16);
}

/** `<key>:<instanceId>:<pid>:<starttime>:<name>`; the name goes last because it may hold a colon. */
export function formatMarker(marker: OwnerMarker): string {
  return [marker.dataDirKey, marker.instanceId, marker.backendPid, marker.backendStartTime, marker.name].join(':');
}

/** The marker in an environment (`KEY=value` entries), or null when there is none or it is malformed. */
export function markerIn(environ: readonly string[] | null): OwnerMarker | null {
  const prefix = `${OWNER_VARIABLE}=`;
  const entry = environ?.find((e) => e.startsWith(prefix));
  if (!entry) return null;
  const match = /^([0-9a-f]{16}):([^:]+):([1-9]\d{0,9}):(\d+):(.*)$/s.exec(entry.slice(prefix.length));
  if (!match) return null;
  return { dataDirKey: match[1], instanceId: match[2], backendPid: Number(match[3]), backendStartTime: match[4], name: match[5] };
}
