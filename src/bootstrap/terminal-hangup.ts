import { closeSync, openSync } from 'node:fs';

/**
 * SIGHUP means "reload" to a daemon but "your terminal is gone" to a process
 * started from one. Tell them apart: a process with a terminal on its stdio
 * whose /dev/tty can no longer be opened has lost its terminal.
 */
export function terminalHungUp(
  hasTerminal = [process.stdin, process.stdout, process.stderr].some((s) => s.isTTY),
  openTty: () => void = () => closeSync(openSync('/dev/tty', 'r')),
): boolean {
  if (!hasTerminal) return false;
  try {
    openTty();
    return false;
  } catch {
    return true;
  }
}
