import { join } from 'node:path';
import { ROOT, spawnInTerminal, spawnProcess, waitExit, type Exit, type InTerminal, type Spawned } from './harness.js';

/** The built bin, run as an operator would. */
export const CLI = join(ROOT, 'dist', 'cli', 'procguard.js');

export interface CliResult extends Exit {
  readonly output: string;
}

/** Runs `procguard <args>` to its end (bounded) with its combined output. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<CliResult> {
  const proc = spawnProcess(process.execPath, [CLI, ...args], { env: { API_TOKEN: '', DATA_DIR: '', ...env } });
  const exit = await waitExit(proc, timeoutMs);
  return { ...exit, output: proc.output() };
}

/** Starts a long-running `procguard <args>` (a --follow) without waiting for it. */
export function cliRunning(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnProcess(process.execPath, [CLI, ...args], { env: { API_TOKEN: '', DATA_DIR: '', ...env } });
}

/** `procguard <args>` in a real pseudo-terminal, where Ctrl+C is the kernel's SIGINT to its group. */
export function cliInTerminal(args: string[], env: NodeJS.ProcessEnv = {}): InTerminal {
  const quoted = args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  return spawnInTerminal(`${process.execPath} ${CLI} ${quoted}`, { env: { API_TOKEN: '', DATA_DIR: '', ...env } });
}
