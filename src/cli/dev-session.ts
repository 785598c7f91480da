/**
 * `npm run dev`: the single-instance guard runs here, before the Nest CLI
 * compiles anything, so a second `npm run dev` is refused without touching the
 * running session's dist/. The session holds the lock for its whole life and
 * hands it to each app the watcher starts (PROCGUARD_DEV_SESSION); the CLI runs
 * with --no-shell so a reload waits for the old app to exit before the new one starts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { EXIT } from '../exit-codes.js';
import { DEV_SESSION_ENV } from '../bootstrap/instance-guard.js';
import { acquireOrExit, parseEnvOrExit } from '../bootstrap/start-guard.js';

const log = (message: string) => console.error(`[procguard dev] ${message}`);
/** Time the watcher gets beyond the app's own shutdown deadline before its group is killed. */
const GRACE_BEYOND_APP_DEADLINE_MS = 2000;

/** The watcher in its own process group; tied to our life with PR_SET_PDEATHSIG where setpriv exists. */
function startWatcher(sessionId: string): ChildProcess {
  const nestBin = createRequire(import.meta.url).resolve('@nestjs/cli/bin/nest.js');
  const args = [nestBin, 'start', '--watch', '--no-shell', '--preserveWatchOutput'];
  const hasSetpriv = process.platform === 'linux' && spawnSync('setpriv', ['--version']).status === 0;
  const [command, commandArgs] = hasSetpriv
    ? ['setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, ...args]]
    : [process.execPath, args];
  return spawn(command, commandArgs, {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, [DEV_SESSION_ENV]: sessionId },
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return !groupAlive(pgid);
}

async function main(): Promise<void> {
  const env = parseEnvOrExit();
  let stopping: Promise<void> | null = null;
  let exitCode: number = EXIT.ok;
  const held = await acquireOrExit(env, 'dev-session', (_, message) => log(message), (error) => {
    log(`${error.message}; stopping the session.`);
    exitCode = EXIT.lockCompromised;
    void stop('lock compromised');
  });
  log(`Session ${held.lock.instanceId} holds ${env.PID_FILE_PATH}; starting the watcher.`);
  const watcher = startWatcher(held.lock.instanceId);
  const pgid = watcher.pid!;
  const watcherExit = new Promise<number>((resolve) =>
    watcher.once('exit', (code, signal) => resolve(code ?? (signal ? EXIT.failure : EXIT.ok))),
  );

  // The CLI forwards one SIGTERM to the app and exits when the app has; signalling
  // the whole group would hand the app a second signal, which forces it.
  function stop(reason: string): Promise<void> {
    if (stopping) {
      log(`${reason} again: killing the session now.`);
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
      return stopping;
    }
    log(`Stopping (${reason})…`);
    stopping = (async () => {
      if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGTERM');
      const budget = env.SHUTDOWN_TIMEOUT_MS + GRACE_BEYOND_APP_DEADLINE_MS;
      await Promise.race([watcherExit, new Promise((r) => setTimeout(r, budget))]);
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGTERM');
      if (!(await waitForGroupExit(pgid, GRACE_BEYOND_APP_DEADLINE_MS)) && groupAlive(pgid)) {
        log('The watcher group did not exit; killing it.');
        process.kill(-pgid, 'SIGKILL');
      }
    })();
    return stopping;
  }

  // SIGHUP is the terminal closing: nothing may keep running detached from it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stop(signal).then(finish));
  }
  void watcherExit.then((code) => {
    if (stopping) return;
    log(`The watcher exited (${code}); ending the session.`);
    exitCode = code;
    void stop('watcher exited').then(finish);
  });

  async function finish(): Promise<void> {
    await held.lockManager.releaseLock();
    process.exit(exitCode);
  }
}

void main().catch((error: unknown) => {
  console.error(`[procguard dev] fatal: ${(error as Error).stack ?? String(error)}`);
  process.exit(EXIT.failure);
});
