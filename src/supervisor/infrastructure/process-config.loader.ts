import { cronProblem } from './croner-scheduler.adapter.js';
import { closeSync, existsSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import type { IProcessConfigSource } from '../application/supervisor-bootstrap.service.js';
import { parseProcessConfig, type ParseProcessConfigOptions } from '../domain/process-config.parser.js';
import type { ProcessSpec } from '../domain/process-spec.js';
import { InvalidProcessConfigError } from '../domain/supervisor.errors.js';
import { availableParallelism } from 'node:os';
import { evaluateEcosystemFile } from './ecosystem-evaluator.js';

const JS_EXTENSIONS = ['.js', '.cjs', '.mjs'];

/**
 * 1000 processes of four lines each are 71 KB; the YAML parser needs about 1.5 s of CPU for
 * 512 KiB (measured), and parsing is synchronous: nothing else, not even a SIGTERM, runs meanwhile.
 */
export const MAX_CONFIG_BYTES = 512 * 1024;

/** Nesting of `[ ]` / `{ }` the YAML is allowed; the parser's cost per byte grows with depth. */
export const MAX_YAML_FLOW_DEPTH = 64;

/** Aliases (`*name`) the YAML parser expands; the `yaml` package's own default, stated so it stays bounded. */
const MAX_YAML_ALIASES = 100;

/** What the environment adds to reading a config: PROCESSES_ENV and where warnings go. */
export interface LoadOptions {
  /** PM2's `--env <name>`: `env_<name>` blocks are merged over `env`. */
  readonly envName?: string;
  /** Accepted fields that have no effect here, one line each. */
  readonly warn?: (message: string) => void;
  /** For tests; ECOSYSTEM_TIMEOUT_MS otherwise. */
  readonly evaluationTimeoutMs?: number;
}

/**
 * Reads and validates a YAML/JSON process config file: `.json` as JSON, anything else as YAML.
 * Relative `cwd`s in it are resolved against `baseDir`. JavaScript files need
 * {@link loadProcessConfigFile}, which evaluates them in a child process.
 *
 * @throws InvalidProcessConfigError when the file is missing, unreadable, not a regular file,
 *   larger than {@link MAX_CONFIG_BYTES}, not valid JSON/YAML (with line and column) or not
 *   a valid config (every problem at once).
 */
export function loadProcessConfig(path: string, baseDir: string, options: LoadOptions = {}): ProcessSpec[] {
  const extension = extname(path).toLowerCase();
  if (JS_EXTENSIONS.includes(extension)) fail(path, `JavaScript ecosystem files (${extension}) are read asynchronously (loadProcessConfigFile)`);
  const text = readText(path).replace(/^\uFEFF/, '');
  const raw = text.trim() === '' ? null : extension === '.json' ? parseJson(path, text) : parseYaml(path, text);
  return parseProcessConfig(raw, parseOptions(path, baseDir, options));
}

/**
 * Any process config file: YAML/JSON as {@link loadProcessConfig}, and a PM2
 * `ecosystem.config.{js,cjs,mjs}` by evaluating it in a separate, short-lived Node process
 * (never in this one; time and output capped), its export then validated like a JSON file.
 *
 * @throws InvalidProcessConfigError naming the file and the reason.
 */
export async function loadProcessConfigFile(path: string, baseDir: string, options: LoadOptions = {}): Promise<ProcessSpec[]> {
  const extension = extname(path).toLowerCase();
  if (!JS_EXTENSIONS.includes(extension)) return loadProcessConfig(path, baseDir, options);
  // The same checks as for a YAML file: it exists, is a regular readable file of bounded size.
  readText(path);
  const result = await evaluateEcosystemFile(resolve(path), { maxBytes: MAX_CONFIG_BYTES, timeoutMs: options.evaluationTimeoutMs });
  if (!result.ok) fail(path, `the JavaScript ecosystem file ${result.reason}`);
  return parseProcessConfig(result.value, parseOptions(path, baseDir, options));
}

function parseOptions(path: string, baseDir: string, options: LoadOptions): ParseProcessConfigOptions {
  return {
    source: path,
    baseDir: resolve(baseDir),
    resolvePath: resolve,
    cpuCount: availableParallelism(),
    envName: options.envName,
    warn: options.warn,
    cronProblem,
  };
}

/**
 * The config file PROCESSES_CONFIG names, read at start and on every reload. The default
 * file is optional (none means no processes); a file the operator named must exist.
 */
export function processConfigSource(path: string, explicit: boolean, baseDir: string = process.cwd(), options: LoadOptions = {}): IProcessConfigSource {
  return {
    path,
    load: async () => (!explicit && !existsSync(path) ? [] : loadProcessConfigFile(path, baseDir, options)),
  };
}

function fail(path: string, problem: string): never {
  throw new InvalidProcessConfigError(path, [problem]);
}

/** Reads at most MAX_CONFIG_BYTES: the size is checked on the open file before anything is read. */
function readText(path: string): string {
  const where = resolve(path);
  let fd: number;
  try {
    // Non-blocking, so a FIFO named as the config is refused instead of waiting for a writer.
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(path, `file not found at ${where}; create it, or point to the right file`);
    if (code === 'EACCES' || code === 'EPERM') fail(path, `file ${where} cannot be read: permission denied`);
    fail(path, `file ${where} cannot be read: ${(error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) fail(path, `${where} is a directory; point to the config file inside it`);
    if (!stat.isFile()) fail(path, `${where} is not a regular file; point to the config file`);
    if (stat.size > MAX_CONFIG_BYTES) {
      fail(path, `file ${where} is ${stat.size} bytes; a process config may be at most ${MAX_CONFIG_BYTES} bytes (512 KiB)`);
    }
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    // The file grew between the check and the read.
    if (length > MAX_CONFIG_BYTES) fail(path, `file ${where} is over ${MAX_CONFIG_BYTES} bytes (512 KiB); a process config may be at most that`);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof InvalidProcessConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') fail(path, `${where} is a directory; point to the config file inside it`);
    fail(path, `file ${where} cannot be read: ${(error as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const at = jsonPosition(text, message);
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    fail(path, `JSON syntax error${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${reason}`);
  }
}

/** V8 reports an offset ("at position 14") or, in newer versions, "(line 2 column 3)". */
function jsonPosition(text: string, message: string): { line: number; col: number } | null {
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), col: Number(lineCol[2]) };
  const offset = /at position (\d+)/.exec(message);
  if (!offset) return null;
  const before = text.slice(0, Number(offset[1])).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function parseYaml(path: string, text: string): unknown {
  const tooDeep = flowDepthBeyond(text, MAX_YAML_FLOW_DEPTH);
  if (tooDeep !== null) {
    fail(path, `YAML nests "[ ]" or "{ }" more than ${MAX_YAML_FLOW_DEPTH} levels deep at line ${tooDeep}; a process config needs a few`);
  }
  try {
    // merge: `<<: *defaults` shares settings between processes, as YAML users expect.
    return parse(text, { merge: true, maxAliasCount: MAX_YAML_ALIASES }) as unknown;
  } catch (error) {
    if (error instanceof RangeError) fail(path, `YAML nests too deeply to be read (${error.message})`);
    if (!(error instanceof YAMLParseError)) fail(path, `YAML cannot be read: ${(error as Error).message}`);
    const start = error.linePos?.[0];
    const at = start ? ` at line ${start.line}, column ${start.col}` : '';
    if (error.code === 'MULTIPLE_DOCS') {
      fail(path, `the file holds more than one YAML document (a "---"${at}); put every process in one document`);
    }
    // The message repeats the position and quotes the source; the first line is the reason.
    const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    fail(path, `YAML syntax error${at}: ${reason}`);
  }
}

/**
 * The line where `[`/`{` nesting first passes `limit`, or null: one pass over the text, with
 * quoted scalars and comments skipped, before the parser spends seconds on such input.
 */
export function flowDepthBeyond(text: string, limit: number): number | null {
  let depth = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line += 1;
      continue;
    }
    const prev = i === 0 ? '\n' : text[i - 1];
    const afterSpace = prev === ' ' || prev === '\t' || prev === '\n';
    // Outside a flow collection, "[", "{" and quotes start a token only after a space (x[1] is a word).
    const tokenStart = afterSpace || (depth > 0 && (prev === '[' || prev === '{' || prev === ',' || prev === ':'));
    if (c === '#' && afterSpace) {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
    } else if ((c === '"' || c === "'") && tokenStart) {
      const end = closingQuote(text, i);
      for (let j = i + 1; j < end; j++) if (text[j] === '\n') line += 1;
      i = end;
    } else if ((c === '[' || c === '{') && tokenStart) {
      depth += 1;
      if (depth > limit) return line;
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth -= 1;
    }
  }
  return null;
}

/** Index of the quote that closes the one at `start` ("\\" escapes in double quotes, '' in single ones). */
function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i += 1;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i += 1;
      else return i;
    }
  }
  return text.length;
}
