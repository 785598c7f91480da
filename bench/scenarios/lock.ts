import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import lockfile from 'proper-lockfile';
import { NodeFileSystem } from '../../src/lifecycle/infrastructure/node-file-system.adapter.js';
import { PidLockManager } from '../../src/lifecycle/infrastructure/pid-lock-manager.adapter.js';
import { ProcessUtils } from '../../src/lifecycle/infrastructure/process-utils.js';
import { summarize, type Summary } from '../lib/stats.js';
import { makeTempDir } from '../lib/util.js';

export interface LockResult {
  readonly iterations: number;
  /** PidLockManager.acquireLock + releaseLock (lock directory + PID file + checks). */
  readonly procguard: Summary;
  /** Bare proper-lockfile lock() + release() with the same options. */
  readonly bareProperLockfile: Summary;
}

/** Same proper-lockfile options the manager uses for its main lock. */
const BARE_OPTIONS = { realpath: false, stale: 2 ** 31 - 1, update: 1000 } as const;

/**
 * Acquire+release in this process, interleaving one baseline and one procguard
 * iteration so both see the same disk and CPU conditions.
 */
export async function benchLock(iterations = 2000, warmup = 100): Promise<LockResult> {
  const managerDir = makeTempDir('lock');
  const bareDir = makeTempDir('lock-bare');
  const manager = new PidLockManager({
    pidFilePath: join(managerDir, 'backend.pid'),
    fs: new NodeFileSystem(),
    processes: new ProcessUtils(),
  });
  const request = { port: 3000, host: '127.0.0.1', role: 'server' } as const;
  const barePidFile = join(bareDir, 'backend.pid');
  const bareOptions = { ...BARE_OPTIONS, lockfilePath: `${barePidFile}.lock` };

  const managerRound = async () => {
    const t0 = performance.now();
    await manager.acquireLock(request);
    await manager.releaseLock();
    return performance.now() - t0;
  };
  const bareRound = async () => {
    const t0 = performance.now();
    const release = await lockfile.lock(barePidFile, bareOptions);
    await release();
    return performance.now() - t0;
  };

  const managerMs: number[] = [];
  const bareMs: number[] = [];
  try {
    for (let i = 0; i < warmup + iterations; i++) {
      const bare = await bareRound();
      const ours = await managerRound();
      if (i >= warmup) {
        bareMs.push(bare);
        managerMs.push(ours);
      }
    }
  } finally {
    await manager.releaseLock().catch(() => undefined);
  }
  return { iterations, procguard: summarize(managerMs), bareProperLockfile: summarize(bareMs) };
}
