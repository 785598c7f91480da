/**
 * Once the terminal is gone (closed window, killed `script`/ssh), every write to
 * stdout/stderr fails with EIO; unhandled, each failure is an uncaught exception
 * whose own log line fails again: a busy loop that stalls the graceful shutdown
 * until its deadline forces it. Output that cannot be shown is dropped instead.
 */
export function dropOutputToALostTerminal(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) stream.on('error', () => undefined);
}
