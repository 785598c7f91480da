import { InvalidLockFileError } from './lifecycle.errors.js';
import { ProcessIdentity } from './process-identity.value-object.js';

/** Who holds the lock: the server itself, or an `npm run dev` session that owns its app. */
export type LockRole = 'server' | 'dev-session';

/**
 * Ties a PID file to the lock directory it describes (inode + birth time), so a
 * PID file left by a crashed holder is never mistaken for the record of a newer lock.
 */
export interface LockGeneration {
  readonly ino: string;
  readonly birthtimeNs: string;
}

export interface ProcessLockProps {
  readonly pid: number;
  readonly startedAt: string;
  readonly port: number;
  readonly host: string;
  readonly nodeVersion: string;
  readonly instanceId: string;
  readonly hostname: string;
  readonly bootId: string | null;
  readonly processStartTime: string | null;
  readonly role: LockRole;
  readonly generation: LockGeneration | null;
}

export const CURRENT_FORMAT_VERSION = 2;

/** The PID file's content: who holds the instance lock and how to reach it. */
export class ProcessLock implements ProcessLockProps {
  readonly pid!: number;
  readonly startedAt!: string;
  readonly port!: number;
  readonly host!: string;
  readonly nodeVersion!: string;
  readonly instanceId!: string;
  readonly hostname!: string;
  readonly bootId!: string | null;
  readonly processStartTime!: string | null;
  readonly role!: LockRole;
  readonly generation!: LockGeneration | null;

  private constructor(props: ProcessLockProps) {
    Object.assign(this, props);
    Object.freeze(this);
  }

  /** @throws InvalidLockFileError naming the first field that is missing or wrong. */
  static create(props: ProcessLockProps): ProcessLock {
    requirePositiveInt('pid', props.pid);
    requirePort('port', props.port);
    requireText('instanceId', props.instanceId);
    requireText('nodeVersion', props.nodeVersion);
    if (typeof props.startedAt !== 'string' || Number.isNaN(Date.parse(props.startedAt))) {
      throw new InvalidLockFileError(`PID file field "startedAt" is not a date: ${String(props.startedAt)}`);
    }
    if (props.role !== 'server' && props.role !== 'dev-session') {
      throw new InvalidLockFileError(`PID file field "role" must be "server" or "dev-session"`);
    }
    requireText('host', props.host);
    if (typeof props.hostname !== 'string') {
      throw new InvalidLockFileError('PID file field "hostname" must be a string');
    }
    requireTextOrNull('bootId', props.bootId);
    requireTextOrNull('processStartTime', props.processStartTime);
    // Copy field by field: extra keys a caller passes (e.g. toJSON's formatVersion) must not leak onto the record.
    return new ProcessLock({
      pid: props.pid,
      startedAt: props.startedAt,
      port: props.port,
      host: props.host,
      nodeVersion: props.nodeVersion,
      instanceId: props.instanceId,
      hostname: props.hostname,
      bootId: props.bootId,
      processStartTime: props.processStartTime,
      role: props.role,
      generation: props.generation == null ? null : parseGeneration(props.generation),
    });
  }

  /**
   * Parses a PID file. Reads the current format (2) and the first one (1: pid,
   * startedAt, port, nodeVersion, instanceId), whose holder identity is unknown.
   * @throws InvalidLockFileError with the reason.
   */
  static fromFile(text: string): ProcessLock {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new InvalidLockFileError('PID file is not valid JSON');
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new InvalidLockFileError('PID file must hold a JSON object');
    }
    const r = raw as Record<string, unknown>;
    const version = r.formatVersion ?? 1;
    if (version !== 1 && version !== CURRENT_FORMAT_VERSION) {
      const newer = typeof version === 'number' && version > CURRENT_FORMAT_VERSION;
      throw new InvalidLockFileError(
        newer
          ? `PID file format ${version} is newer than this build understands`
          : `PID file format ${JSON.stringify(version)} is not a known format (1 or ${CURRENT_FORMAT_VERSION})`,
      );
    }
    return ProcessLock.create({
      pid: r.pid as number,
      startedAt: r.startedAt as string,
      port: r.port as number,
      host: typeof r.host === 'string' ? r.host : '127.0.0.1',
      nodeVersion: r.nodeVersion as string,
      instanceId: r.instanceId as string,
      hostname: typeof r.hostname === 'string' ? r.hostname : '',
      bootId: typeof r.bootId === 'string' ? r.bootId : null,
      processStartTime: typeof r.processStartTime === 'string' ? r.processStartTime : null,
      role: r.role === undefined ? 'server' : (r.role as LockRole),
      generation: parseGeneration(r.generation),
    });
  }

  get identity(): ProcessIdentity {
    return ProcessIdentity.create({
      pid: this.pid,
      hostname: this.hostname,
      bootId: this.bootId,
      startTime: this.processStartTime,
    });
  }

  withGeneration(generation: LockGeneration): ProcessLock {
    return ProcessLock.create({ ...this.toJSON(), generation });
  }

  describes(generation: LockGeneration | null): boolean {
    return (
      generation !== null &&
      this.generation !== null &&
      this.generation.ino === generation.ino &&
      this.generation.birthtimeNs === generation.birthtimeNs
    );
  }

  toJSON(): ProcessLockProps & { formatVersion: number } {
    return {
      formatVersion: CURRENT_FORMAT_VERSION,
      pid: this.pid,
      startedAt: this.startedAt,
      port: this.port,
      host: this.host,
      nodeVersion: this.nodeVersion,
      instanceId: this.instanceId,
      hostname: this.hostname,
      bootId: this.bootId,
      processStartTime: this.processStartTime,
      role: this.role,
      generation: this.generation ? { ...this.generation } : null,
    };
  }

  equals(other: ProcessLock): boolean {
    return (
      this.pid === other.pid &&
      this.startedAt === other.startedAt &&
      this.port === other.port &&
      this.host === other.host &&
      this.nodeVersion === other.nodeVersion &&
      this.instanceId === other.instanceId &&
      this.identity.equals(other.identity) &&
      this.role === other.role &&
      (this.generation === null
        ? other.generation === null
        : this.describes(other.generation))
    );
  }
}

function parseGeneration(value: unknown): LockGeneration | null {
  if (value === undefined || value === null) return null;
  const g = (typeof value === 'object' ? value : {}) as Record<string, unknown>;
  if (typeof g.ino !== 'string' || typeof g.birthtimeNs !== 'string') {
    throw new InvalidLockFileError('PID file field "generation" must hold string "ino" and "birthtimeNs"');
  }
  return { ino: g.ino, birthtimeNs: g.birthtimeNs };
}

function requirePositiveInt(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidLockFileError(`PID file field "${field}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

function requirePort(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new InvalidLockFileError(`PID file field "${field}" must be a port number (0-65535), got ${JSON.stringify(value)}`);
  }
}

function requireTextOrNull(field: string, value: unknown): void {
  if (value !== null && typeof value !== 'string') {
    throw new InvalidLockFileError(`PID file field "${field}" must be a string or null`);
  }
}

function requireText(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidLockFileError(`PID file field "${field}" must be a non-empty string`);
  }
}
