/**
 * What the kernel (Linux) can pass to execve: one string of at most MAX_ARG_STRLEN
 * bytes (128 KiB with its NUL), a path of at most PATH_MAX, and all strings together
 * within ARG_MAX (2 MiB by default, shared with the environment the backend adds). A
 * spec past them would fail with E2BIG or ENAMETOOLONG on every start and loop in backoff.
 */
export const MAX_EXEC_STRING_BYTES = 128 * 1024 - 1;
export const MAX_COMMAND_BYTES = 4095;
/** Half of the default ARG_MAX: the rest is left for the backend's own environment. */
export const MAX_EXEC_TOTAL_BYTES = 1024 * 1024;

/** UTF-8 length without Buffer (the domain imports nothing from Node). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** One problem per field past a limit, as [field, reason]. */
export function execLimitProblems(command: string, args: readonly string[], env: Readonly<Record<string, string>>): [string, string][] {
  const problems: [string, string][] = [];
  const commandBytes = utf8Bytes(command);
  if (commandBytes > MAX_COMMAND_BYTES) problems.push(['command', `is ${commandBytes} bytes; a program path can be at most ${MAX_COMMAND_BYTES}`]);
  let total = commandBytes + 1;
  args.forEach((arg, i) => {
    const bytes = utf8Bytes(arg);
    total += bytes + 1;
    if (bytes > MAX_EXEC_STRING_BYTES) problems.push([`args[${i}]`, tooLong(bytes)]);
  });
  for (const [key, value] of Object.entries(env)) {
    const bytes = utf8Bytes(key) + 1 + utf8Bytes(value);
    total += bytes + 1;
    if (bytes > MAX_EXEC_STRING_BYTES) problems.push([`env.${key}`, tooLong(bytes)]);
  }
  if (total > MAX_EXEC_TOTAL_BYTES) {
    problems.push(['args', `and env together are ${total} bytes; at most ${MAX_EXEC_TOTAL_BYTES} can be passed to a process (E2BIG otherwise)`]);
  }
  return problems;
}

function tooLong(bytes: number): string {
  return `is ${bytes} bytes; the system passes at most ${MAX_EXEC_STRING_BYTES} bytes in one argument or variable (E2BIG otherwise)`;
}
