import { resolve } from 'node:path';
import { NodeFileSystem } from '../../lifecycle/infrastructure/node-file-system.adapter.js';
import { LockInspector, lockPathsFor } from '../../lifecycle/infrastructure/lock-inspector.js';
import { ProcessUtils } from '../../lifecycle/infrastructure/process-utils.js';
import type { ProcessLock } from '../../lifecycle/domain/process-lock.value-object.js';
import { OPERATOR_EXIT, OperatorError } from './operator-exit.js';

/** Where the operator commands look: the data directory and its PID file. */
export interface InstancePlace {
  readonly dataDir: string;
  readonly pidFile: string;
}

/** A running instance, proven alive by the kernel's start time of the PID its file names. */
export interface RunningInstance {
  readonly record: ProcessLock;
  readonly baseUrl: string;
}

/**
 * `--data-dir`, else DATA_DIR, else ./data (as the server resolves it); the PID file
 * is PID_FILE_PATH only when no `--data-dir` was given (it names another directory's file otherwise).
 */
export function instancePlace(dataDirOption: string | undefined, env: NodeJS.ProcessEnv = process.env): InstancePlace {
  const dataDir = resolve(dataDirOption ?? (env.DATA_DIR || './data'));
  const pidFile = dataDirOption === undefined && env.PID_FILE_PATH ? resolve(env.PID_FILE_PATH) : resolve(dataDir, 'backend.pid');
  return { dataDir, pidFile };
}

/** The listening address to reach: a wildcard bind is reached on loopback. */
function urlFor(record: ProcessLock): string {
  const host = record.host === '0.0.0.0' || record.host === '' ? '127.0.0.1' : record.host === '::' ? '::1' : record.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${record.port}`;
}

export type Lookup = { readonly kind: 'running'; readonly instance: RunningInstance } | { readonly kind: 'none'; readonly why: string };

/**
 * Reads the PID file and proves its holder alive (same PID, same kernel start time,
 * same host): a dead or reused PID, or a foreign host's record, is "nothing running".
 */
export function lookUpInstance(place: InstancePlace): Lookup {
  const processes = new ProcessUtils();
  const inspector = new LockInspector(lockPathsFor(place.pidFile), new NodeFileSystem(), processes, 3000);
  const { record, problem } = inspector.readRecord();
  if (!record) return { kind: 'none', why: problem === 'the PID file is missing' ? `no PID file at ${place.pidFile}` : `${place.pidFile}: ${problem}` };
  switch (inspector.liveness(record)) {
    case 'alive':
      return { kind: 'running', instance: { record, baseUrl: urlFor(record) } };
    case 'dead':
      return { kind: 'none', why: `${place.pidFile} names PID ${record.pid}, which is no longer running` };
    case 'reused':
      return { kind: 'none', why: `${place.pidFile} names PID ${record.pid}, which now belongs to another process` };
    case 'foreign':
      return { kind: 'none', why: `${place.pidFile} was written on host "${record.hostname}", not this one` };
    case 'unverified':
      // A format-1 file has no start time: the PID is alive but cannot be proven ours; reaching it is harmless.
      return { kind: 'running', instance: { record, baseUrl: urlFor(record) } };
  }
}

/** @throws OperatorError (exit 3) saying why nothing runs there. */
export function requireInstance(place: InstancePlace): RunningInstance {
  const found = lookUpInstance(place);
  if (found.kind === 'none') {
    throw new OperatorError(`No procguard instance is running for ${place.dataDir} (${found.why}).`, OPERATOR_EXIT.noInstance, 'NO_INSTANCE');
  }
  return found.instance;
}

/** True only when the kernel confirms `record`'s process (PID + start time) is alive: the proof `down` needs to signal it. */
export function provenAlive(record: ProcessLock): boolean {
  const live = new ProcessUtils().inspect(record.pid);
  return live !== null && record.identity.compare(live) === 'same';
}
