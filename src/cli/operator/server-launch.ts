import { spawn } from 'node:child_process';
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The server this bin belongs to: the package's built `dist/main.js` (this file is `dist/cli/operator/`). */
export function serverEntry(): string {
  return fileURLToPath(new URL('../../main.js', import.meta.url));
}

export function requireServerEntry(): string | null {
  const entry = serverEntry();
  return existsSync(entry) ? entry : null;
}

/** The log file of a detached server, opened for appending, refusing a symlink planted at the path. */
export function openServerLog(path: string): { fd: number; startOffset: number } {
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
  return { fd, startOffset: fstatSync(fd).size };
}

/** The last `lines` lines written to `path` from `offset` on (at most 64 KiB are read). */
export function logTail(path: string, offset: number, lines = 20): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(offset, size - 64 * 1024);
    const buffer = Buffer.alloc(Math.max(0, size - from));
    readSync(fd, buffer, 0, buffer.length, from);
    return buffer.toString('utf8').split('\n').filter((l) => l !== '').slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Starts the server detached: its own session (setsid), stdin /dev/null, stdout and stderr to `logFd`. */
export function spawnDetached(entry: string, env: NodeJS.ProcessEnv, logFd: number) {
  return spawn(process.execPath, [entry], { detached: true, stdio: ['ignore', logFd, logFd], env });
}

/** Starts the server in the foreground, on this terminal. */
export function spawnForeground(entry: string, env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, [entry], { stdio: 'inherit', env });
}
