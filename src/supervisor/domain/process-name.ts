/** Longest process or instance name: it is a log file name, a URL segment and a database key. */
export const MAX_PROCESS_NAME_LENGTH = 64;

const NAME_CHARACTERS = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The one rule for process and instance names, used by the config validation, the HTTP
 * routes and the log file names, so a name accepted once is accepted everywhere later:
 * 1 to 64 ASCII letters, digits, `_`, `.` or `-`, starting with a letter or digit, and no
 * `..` (it would read as a parent directory in a file name).
 *
 * @returns why `name` is not a valid name, or null when it is.
 */
export function processNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_PROCESS_NAME_LENGTH) return `is ${name.length} characters long; at most ${MAX_PROCESS_NAME_LENGTH} are allowed`;
  if (!NAME_CHARACTERS.test(name)) return 'may hold only letters, digits, "_", "." or "-", and must start with a letter or digit';
  if (name.includes('..')) return 'must not contain ".."';
  return null;
}

/** True for a name that {@link processNameProblem} accepts. */
export function isProcessName(name: string): boolean {
  return processNameProblem(name) === null;
}

/** What a name must look like, for messages that list the rule rather than one reason. */
export const PROCESS_NAME_RULE = `1 to ${MAX_PROCESS_NAME_LENGTH} letters, digits, "_", "." or "-", starting with a letter or digit, without ".."`;
