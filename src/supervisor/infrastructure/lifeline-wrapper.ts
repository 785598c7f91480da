import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';

/** The child's end of the lifeline, a socket whose other end only the backend holds. */
export const LIFELINE_FD = 3;

/** $0 of the wrapper (seen in `ps` only until it execs the command). */
export const WRAPPER_NAME = 'procguard-agent';

/** $0 of the watcher, so `ps` shows what it is, and it never shows the command's arguments (`pgrep -f` finds one match). */
export const WATCHER_NAME = 'procguard-lifeline';

/** What the backend writes to the lifeline once nothing but the watcher is left in the group: the watcher leaves quietly. */
export const LEADER_EXITED = '\n';

/**
 * Runs as the child's group leader and execs the real command, so the leader
 * PID (and its exit code or signal) is the command's own. Before that it
 * double-forks a watcher that stays in the group, outside the command's
 * process tree, and execs a small sh of its own: it writes its PID to the lifeline (so the
 * backend can leave it out of "is the group alive"), then blocks reading it; a line means
 * "the group is empty but for you, go"; EOF without one means the backend died, so it sends SIGTERM to
 * its group and SIGKILL half a second later. The watcher ignores every stop
 * signal a spec may name (INT and QUIT are already ignored in a background
 * job), so a graceful stop ends it only through the line the backend writes
 * once the leader and everything else in the group are gone: a backend killed
 * while a stop waits for stubborn grandchildren still takes them down. `3<&-` keeps the lifeline out of the command and its
 * descendants; `4<&-` keeps a `wait_ready` IPC channel out of the watcher.
 */
const WATCHER = `echo $$ >&${LIFELINE_FD}; read -r _ <&${LIFELINE_FD} || { kill -TERM 0; sleep 0.5; kill -KILL 0; }`;
const SCRIPT =
  `(trap '' TERM HUP USR1 USR2; exec /bin/sh -c '${WATCHER}' ${WATCHER_NAME} </dev/null >/dev/null 2>&1 4<&- &)\n` +
  `exec "$@" ${LIFELINE_FD}<&-`;

/** The shell the wrapper runs in (POSIX sh). */
export const WRAPPER_SHELL = '/bin/sh';

/**
 * The argv for spawning `command args` through the wrapper. A `shell: true`
 * spec becomes `sh -c "<command> <args>"`, as Node's own `shell: true` builds it.
 */
export function wrapperArgs(command: string, args: readonly string[], shell: boolean): string[] {
  const real = shell ? [WRAPPER_SHELL, '-c', [command, ...args].join(' ')] : [command, ...args];
  return ['-c', SCRIPT, WRAPPER_NAME, ...real];
}

/**
 * Why `command` cannot be executed from `cwd` with this PATH ('ENOENT' or
 * 'EACCES'), or null when it can. The wrapper always starts, so the OS's own
 * refusal would only show as exit 127/126: this keeps it a launch error.
 */
export function cannotExecute(command: string, cwd: string, path: string | undefined): 'ENOENT' | 'EACCES' | null {
  const candidates = command.includes('/')
    ? [resolve(cwd, command)]
    : (path ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).map((dir) => resolve(cwd, dir || '.', command));
  let found = false;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      found = true;
      accessSync(candidate, constants.X_OK);
      return null;
    } catch {
      // not here, or not executable: try the next PATH entry
    }
  }
  return found ? 'EACCES' : 'ENOENT';
}
