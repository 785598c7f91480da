import type { Client, ClientConfig } from 'pg';
import type { ClusterLockHolder } from '../domain/cluster-lock-holder.js';
import { ClusterLockHeldError, ClusterLockLostError, LockDatabaseError } from '../domain/lifecycle.errors.js';
import type { ProcessLock } from '../domain/process-lock.value-object.js';
import type {
  IInstanceLockManager,
  LockRequest,
  LockStatus,
  TerminateOutcome,
} from '../application/ports/instance-lock-manager.port.js';
import { advisoryKeyOf } from './advisory-lock-key.js';

/** Key of the transaction lock that serialises creating the holder table (any LOCK_KEY). */
const SCHEMA_LOCK_KEY = advisoryKeyOf('schema');

/** Who this instance is, as published to the other hosts. */
export interface PgLockIdentity {
  readonly hostname: string;
  readonly pid: number;
  readonly instanceId: string;
  readonly healthUrl: string;
  readonly startedAt: string;
}

export interface PgAdvisoryLockOptions {
  readonly url: string;
  /** LOCK_KEY: the name all hosts of one deployment share. */
  readonly key: string;
  /** Heartbeat period and the timeout of each heartbeat (LOCK_HEARTBEAT_MS). */
  readonly heartbeatMs: number;
  /** Wait for the lock instead of refusing (LOCK_STANDBY). */
  readonly standby: boolean;
  /** The data directory's own lock, still taken first: one instance per data directory on each host. */
  readonly local: IInstanceLockManager;
  /** Where this host is reached; pid, instance id and start time come from the file lock's record. */
  readonly identity: Pick<PgLockIdentity, 'hostname' | 'healthUrl'>;
  readonly log: (level: 'log' | 'warn' | 'error', message: string) => void;
  /** Called on each acquisition with the new fencing token, before whenActive() resolves. */
  readonly onActive?: (fencingToken: string) => void;
}

interface HolderRow {
  hostname: string;
  pid: number;
  instance_id: string;
  health_url: string;
  started_at: Date;
  acquired_at: Date;
  fencing_token: string;
  confirmed: boolean;
}

/**
 * The instance lock shared by the hosts of one deployment: a session-level
 * `pg_try_advisory_lock` on one dedicated connection (a pooled one would move the
 * lock between sessions), over the data directory's file lock. PostgreSQL releases
 * the lock the moment the session ends, so a killed holder frees it at once.
 *
 * Each acquisition bumps the fencing token in `procguard_lock`, in the same session,
 * and publishes who holds it there. While active, a heartbeat checks every
 * `heartbeatMs` that the session still holds the lock and fails after `heartbeatMs`
 * without an answer; that, or the connection's `error`/`end`, calls `onCompromised`
 * once (docs/operations.md: "PostgreSQL lock").
 */
export class PgAdvisoryLockManager implements IInstanceLockManager {
  private readonly advisoryKey: bigint;
  private client: Client | null = null;
  private role: LockStatus['role'] | null = null;
  private fencingToken: string | null = null;
  private holder: ClusterLockHolder | null = null;
  private lastHeartbeatAt: Date | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private request: LockRequest | null = null;
  private me: PgLockIdentity | null = null;
  private released = false;
  private databaseDown = false;
  private activated!: () => void;
  private readonly active: Promise<void>;

  constructor(private readonly options: PgAdvisoryLockOptions) {
    this.advisoryKey = advisoryKeyOf(options.key);
    this.active = new Promise((resolve) => (this.activated = resolve));
  }

  /**
   * Takes the file lock, then the shared one.
   * @throws InstanceAlreadyRunningError, DataDirectoryError (the file lock),
   *   ClusterLockHeldError (another host is active and this is no standby), LockDatabaseError
   */
  async acquireLock(request: LockRequest): Promise<ProcessLock> {
    const lock = await this.options.local.acquireLock(request);
    // A dev session only guards its directory; each app it runs takes the shared lock itself.
    if (request.role !== 'server') {
      this.activated();
      return lock;
    }
    this.request = request;
    this.me = { ...this.options.identity, pid: lock.pid, instanceId: lock.instanceId, startedAt: lock.startedAt };
    try {
      const client = await this.connect();
      await this.ensureSchema(client);
      if (await this.tryTake(client)) return lock;
      if (!this.options.standby) throw new ClusterLockHeldError(this.options.key, await this.readHolder(client));
      this.role = 'standby';
      this.holder = await this.readHolder(client);
      this.options.log('log', `Standby: ${describeHolder(this.options.key, this.holder)}; waiting for the lock`);
      this.schedule(() => this.poll());
      return lock;
    } catch (error) {
      this.closeSync();
      await this.options.local.releaseLock();
      if (error instanceof ClusterLockHeldError) throw error;
      throw new LockDatabaseError(`the lock database (LOCK_DATABASE_URL) cannot be used: ${(error as Error).message}`, { cause: error });
    }
  }

  whenActive(): Promise<void> {
    return this.active;
  }

  status(): LockStatus {
    return {
      backend: 'postgres',
      key: this.options.key,
      role: this.role ?? 'standby',
      fencingToken: this.role === 'active' ? this.fencingToken : null,
      holder: this.holder,
      lastHeartbeatAt: this.lastHeartbeatAt?.toISOString() ?? null,
    };
  }

  async releaseLock(): Promise<void> {
    this.released = true;
    this.stopTimer();
    const client = this.client;
    this.client = null;
    if (client) {
      // Unlock explicitly, then end: ending alone also frees it, once the server sees the close.
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [this.advisoryKey.toString()]).catch(() => undefined);
      await client.end().catch(() => undefined);
    }
    await this.options.local.releaseLock();
  }

  releaseLockSync(): void {
    this.released = true;
    this.closeSync();
    this.options.local.releaseLockSync();
  }

  hasRunningInstance(): Promise<boolean> {
    return this.options.local.hasRunningInstance();
  }

  getCurrentLock(): Promise<ProcessLock | null> {
    return this.options.local.getCurrentLock();
  }

  cleanupStaleLock(): Promise<boolean> {
    return this.options.local.cleanupStaleLock();
  }

  terminateProcess(pid: number, options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<TerminateOutcome> {
    // Only this host's processes can be proven ours; another host's holder is never signalled.
    return this.options.local.terminateProcess(pid, options);
  }

  private async connect(): Promise<Client> {
    // Loaded here, not at the top: the file backend loads nothing of pg.
    const { default: pg } = await import('pg');
    const { hostname, instanceId } = this.me!;
    const config: ClientConfig = {
      connectionString: this.options.url,
      application_name: `procguard ${hostname} ${instanceId}`.slice(0, 63),
      keepAlive: true,
      keepAliveInitialDelayMillis: this.options.heartbeatMs,
      connectionTimeoutMillis: Math.max(2000, this.options.heartbeatMs * 4),
      // Start-up statements (schema, the take) may wait on a busy server; heartbeats get heartbeatMs (tryTake).
      statement_timeout: 10_000,
      // The server drops a silent (partitioned) session only after serverDropSeconds, well after
      // this side has given up (within 2 heartbeats) and killed its agents: it frees the lock late, never early.
      options: `-c tcp_keepalives_idle=${this.serverKeepaliveIdleSeconds()} -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3`,
    };
    const client = new pg.Client(config);
    client.on('error', (error) => this.connectionLost(client, error));
    client.on('end', () => this.connectionLost(client, new Error('the connection closed')));
    await client.connect();
    this.client = client;
    return client;
  }

  /** Server-side keepalive idle time: the silence after which, plus 3 probes 1 s apart, the server ends our session. */
  private serverKeepaliveIdleSeconds(): number {
    return Math.ceil((2 * this.options.heartbeatMs) / 1000) + 1;
  }

  private async ensureSchema(client: Client): Promise<void> {
    // Hosts starting together would race on CREATE TABLE IF NOT EXISTS (duplicate pg_type row).
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [SCHEMA_LOCK_KEY.toString()]);
      await client.query(`CREATE TABLE IF NOT EXISTS procguard_lock (
        lock_key text PRIMARY KEY,
        fencing_token bigint NOT NULL,
        hostname text NOT NULL,
        pid integer NOT NULL,
        instance_id text NOT NULL,
        health_url text NOT NULL,
        started_at timestamptz NOT NULL,
        acquired_at timestamptz NOT NULL,
        backend_pid integer NOT NULL
      )`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** One try; on success bumps the token and publishes this instance, in the lock's session. */
  private async tryTake(client: Client): Promise<boolean> {
    const key = this.advisoryKey.toString();
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
    this.lastHeartbeatAt = new Date();
    if (!rows[0]?.ok) return false;
    const me = this.me!;
    const published = await client.query<{ fencing_token: string; acquired_at: Date }>(
      `INSERT INTO procguard_lock AS l (lock_key, fencing_token, hostname, pid, instance_id, health_url, started_at, acquired_at, backend_pid)
       VALUES ($1, 1, $2, $3, $4, $5, $6, now(), pg_backend_pid())
       ON CONFLICT (lock_key) DO UPDATE SET fencing_token = l.fencing_token + 1, hostname = EXCLUDED.hostname,
         pid = EXCLUDED.pid, instance_id = EXCLUDED.instance_id, health_url = EXCLUDED.health_url,
         started_at = EXCLUDED.started_at, acquired_at = EXCLUDED.acquired_at, backend_pid = EXCLUDED.backend_pid
       RETURNING fencing_token::text AS fencing_token, acquired_at`,
      [this.options.key, me.hostname, me.pid, me.instanceId, me.healthUrl, me.startedAt],
    );
    const row = published.rows[0]!;
    // The server gives up on a stuck heartbeat as soon as this side does.
    await client.query(`SET statement_timeout = ${Number(this.options.heartbeatMs)}`);
    this.fencingToken = row.fencing_token;
    this.holder = { ...me, acquiredAt: row.acquired_at.toISOString(), fencingToken: row.fencing_token, confirmed: true };
    this.role = 'active';
    this.options.log('log', `Holding the shared lock "${this.options.key}" (fencing token ${row.fencing_token})`);
    this.options.onActive?.(row.fencing_token);
    this.activated();
    this.schedule(() => this.heartbeat());
    return true;
  }

  private async readHolder(client: Client): Promise<ClusterLockHolder | null> {
    const [hi, lo] = oidHalves(this.advisoryKey);
    const { rows } = await client.query<HolderRow>(
      `SELECT l.hostname, l.pid, l.instance_id, l.health_url, l.started_at, l.acquired_at,
              l.fencing_token::text AS fencing_token, (a.pid IS NOT NULL) AS confirmed
         FROM procguard_lock l
         LEFT JOIN pg_locks a ON a.pid = l.backend_pid AND a.locktype = 'advisory' AND a.granted
              AND a.classid = $2::oid AND a.objid = $3::oid AND a.objsubid = 1
        WHERE l.lock_key = $1`,
      [this.options.key, hi, lo],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      hostname: row.hostname,
      pid: row.pid,
      instanceId: row.instance_id,
      healthUrl: row.health_url,
      startedAt: row.started_at.toISOString(),
      acquiredAt: row.acquired_at.toISOString(),
      fencingToken: row.fencing_token,
      confirmed: row.confirmed,
    };
  }

  /** Active: the session still holds the lock, answered within heartbeatMs. */
  private async heartbeat(): Promise<void> {
    const client = this.client;
    if (!client || this.role !== 'active') return;
    const [hi, lo] = oidHalves(this.advisoryKey);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // setImmediate: after a blocked event loop, an answer already in the socket is read first.
      timer = setTimeout(() => setImmediate(() => reject(new Error(`no answer within ${this.options.heartbeatMs} ms`))), this.options.heartbeatMs);
    });
    try {
      const { rows } = await Promise.race([
        client.query<{ held: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
             AND classid = $1::oid AND objid = $2::oid AND objsubid = 1) AS held`,
          [hi, lo],
        ),
        timeout,
      ]);
      if (!rows[0]?.held) throw new Error('the session no longer holds the advisory lock');
      this.lastHeartbeatAt = new Date();
      this.schedule(() => this.heartbeat());
    } catch (error) {
      this.lose(new ClusterLockLostError(`the shared lock "${this.options.key}" is lost: ${(error as Error).message}`));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Standby: try again; a broken connection is replaced on the next try. */
  private async poll(): Promise<void> {
    if (this.released || this.role !== 'standby') return;
    try {
      const client = this.client ?? (await this.connect());
      if (await this.tryTake(client)) return;
      this.holder = await this.readHolder(client);
      if (this.databaseDown) this.options.log('log', 'Standby: the lock database answers again');
      this.databaseDown = false;
    } catch (error) {
      // Once per outage, not once per try.
      if (!this.databaseDown) this.options.log('warn', `Standby: the lock database did not answer (${(error as Error).message}); retrying`);
      this.databaseDown = true;
      this.closeSync();
    }
    this.schedule(() => this.poll());
  }

  private connectionLost(client: Client, error: Error): void {
    if (client !== this.client) return;
    if (this.role === 'active') {
      this.lose(new ClusterLockLostError(`the shared lock "${this.options.key}" is lost: its database session ended (${error.message})`));
    } else {
      this.client = null;
    }
  }

  private lose(error: ClusterLockLostError): void {
    if (this.released || this.role !== 'active') return;
    this.role = 'lost';
    this.stopTimer();
    this.closeSync();
    this.options.log('error', `SHARED LOCK LOST: ${error.message}`);
    this.request?.onCompromised?.(error);
  }

  private schedule(next: () => Promise<void>): void {
    this.stopTimer();
    const period = this.role === 'standby' ? Math.min(this.options.heartbeatMs, 250) : this.options.heartbeatMs;
    this.timer = setTimeout(() => void next(), period);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Drops the connection at once; the server frees the lock when it sees the close. */
  private closeSync(): void {
    const client = this.client;
    this.client = null;
    if (!client) return;
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    client.end().catch(() => undefined);
  }
}

/** classid and objid of a bigint advisory key in pg_locks: its high and low 32 bits, unsigned. */
function oidHalves(key: bigint): [string, string] {
  const unsigned = BigInt.asUintN(64, key);
  return [(unsigned >> 32n).toString(), (unsigned & 0xffffffffn).toString()];
}

/** One line naming the active host, for the standby's log. */
export function describeHolder(key: string, holder: ClusterLockHolder | null): string {
  if (!holder) return `the lock "${key}" is held by an instance that has not published itself yet`;
  return `the lock "${key}" is held by ${holder.hostname} PID ${holder.pid} (instance ${holder.instanceId}, ${holder.healthUrl})`;
}
