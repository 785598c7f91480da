import { join } from 'node:path';
import { ClusterLockHeldError, ClusterLockLostError } from '../src/lifecycle/domain/lifecycle.errors.js';
import { NodeFileSystem } from '../src/lifecycle/infrastructure/node-file-system.adapter.js';
import { PgAdvisoryLockManager } from '../src/lifecycle/infrastructure/pg-advisory-lock-manager.adapter.js';
import { PidLockManager } from '../src/lifecycle/infrastructure/pid-lock-manager.adapter.js';
import { ProcessUtils } from '../src/lifecycle/infrastructure/process-utils.js';
import { tempDir, waitFor } from './support/harness.js';
import { startPostgres, type PrivatePostgres } from './support/postgres.js';

// PgAdvisoryLockManager in this process against a private PostgreSQL: each manager
// has its own data directory (a real file lock), as two hosts would.

let db: PrivatePostgres;
const held: PgAdvisoryLockManager[] = [];

beforeAll(async () => {
  db = await startPostgres();
}, 120_000);

afterEach(async () => {
  await Promise.all(held.splice(0).map((m) => m.releaseLock()));
});

afterAll(async () => {
  await db?.stop();
});

let keys = 0;
const uniqueKey = () => `it-${process.pid}-${++keys}`;

function manager(key: string, options: { standby?: boolean; tokens?: string[] } = {}): PgAdvisoryLockManager {
  const dataDir = tempDir();
  const m = new PgAdvisoryLockManager({
    url: db.url,
    key,
    heartbeatMs: 200,
    standby: options.standby ?? false,
    local: new PidLockManager({ pidFilePath: join(dataDir, 'backend.pid'), fs: new NodeFileSystem(), processes: new ProcessUtils() }),
    identity: { hostname: `host-${keys}`, healthUrl: `http://host-${keys}:3000/api/health` },
    log: () => undefined,
    onActive: (token) => options.tokens?.push(token),
  });
  held.push(m);
  return m;
}

const request = (onCompromised: (error: Error) => void = () => undefined) => ({ port: 3000, host: '127.0.0.1', role: 'server' as const, onCompromised });

describe('PgAdvisoryLockManager (real PostgreSQL)', () => {
  it('gives the lock to exactly one of three hosts that race for it, in each of 20 trials', async () => {
    // The full-server version (test/pg-lock.e2e-spec.ts) runs 5 trials: three whole backends each.
    for (let trial = 0; trial < 20; trial++) {
      const key = uniqueKey();
      const results = await Promise.allSettled([0, 1, 2].map(() => manager(key).acquireLock(request())));

      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(refused).toHaveLength(2);
      for (const reason of refused) expect(reason).toBeInstanceOf(ClusterLockHeldError);
      await Promise.all(held.splice(0).map((m) => m.releaseLock()));
    }
  }, 120_000);

  it('gives the lock to one, refuses the next naming it, and hands it on with the next token after release', async () => {
    const key = uniqueKey();
    const tokens: string[] = [];
    const first = manager(key, { tokens });
    const lock = await first.acquireLock(request());

    const refusal = await manager(key).acquireLock(request()).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(ClusterLockHeldError);
    expect((refusal as ClusterLockHeldError).holder).toMatchObject({ pid: lock.pid, instanceId: lock.instanceId, fencingToken: '1', confirmed: true });
    await first.releaseLock();
    const next = manager(key, { tokens });
    await next.acquireLock(request());
    expect(tokens).toEqual(['1', '2']);
    expect(next.status()).toMatchObject({ role: 'active', fencingToken: '2', key });
  });

  it('makes a standby active (whenActive resolves) once the holder releases', async () => {
    const key = uniqueKey();
    const first = manager(key);
    await first.acquireLock(request());
    const standby = manager(key, { standby: true });
    await standby.acquireLock(request());
    let active = false;
    void standby.whenActive().then(() => (active = true));

    await waitFor(() => standby.status().holder?.fencingToken === '1', 'the standby to read the holder');
    expect(standby.status()).toMatchObject({ role: 'standby', fencingToken: null });
    expect(active).toBe(false);
    await first.releaseLock();

    await waitFor(() => active, 'the standby to become active', 10_000);
    expect(standby.status()).toMatchObject({ role: 'active', fencingToken: '2' });
  });

  it('calls onCompromised once with ClusterLockLostError when its session is terminated', async () => {
    const key = uniqueKey();
    const losses: Error[] = [];
    const m = manager(key);
    await m.acquireLock(request((error) => losses.push(error)));

    await db.query('SELECT pg_terminate_backend(backend_pid) FROM procguard_lock WHERE lock_key = $1', [key]);

    await waitFor(() => losses.length > 0, 'the loss to be reported', 10_000);
    // Both the connection's error and its end fire; the loss is reported once.
    await waitFor(() => m.status().role === 'lost', 'the manager to say it is lost');
    expect(losses).toHaveLength(1);
    expect(losses[0]).toBeInstanceOf(ClusterLockLostError);
    expect(m.status().role).toBe('lost');
  });

  it('frees the lock at once on releaseLockSync (a forced exit)', async () => {
    const key = uniqueKey();
    const m = manager(key);
    await m.acquireLock(request());

    m.releaseLockSync();

    const next = manager(key);
    await waitFor(() => next.acquireLock(request()).then(() => true, () => false), 'the next to get the lock', 10_000);
    expect(next.status().fencingToken).toBe('2');
  });
});
