import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { parseProcessConfig } from '../domain/process-config.parser.js';
import type { ProcessSpec } from '../domain/process-spec.js';
import { InvalidProcessConfigError } from '../domain/supervisor.errors.js';

const JS_EXTENSIONS = ['.js', '.cjs', '.mjs'];

/**
 * Reads and validates the process config file: `.json` as JSON, anything else as YAML.
 * Relative `cwd`s in it are resolved against `baseDir`.
 *
 * @throws InvalidProcessConfigError when the file is missing, unreadable, not valid JSON/YAML
 *   (with line and column) or not a valid config (every problem at once).
 */
export function loadProcessConfig(path: string, baseDir: string): ProcessSpec[] {
  const extension = extname(path).toLowerCase();
  if (JS_EXTENSIONS.includes(extension)) {
    // A PM2 ecosystem.config.js is code: running it to read it is not something a config loader should do.
    fail(path, `JavaScript ecosystem files (${extension}) are not run; write the same "apps" list as YAML or JSON`);
  }
  const text = readText(path).replace(/^\uFEFF/, '');
  const raw = text.trim() === '' ? null : extension === '.json' ? parseJson(path, text) : parseYaml(path, text);
  return parseProcessConfig(raw, { source: path, baseDir: resolve(baseDir), resolvePath: resolve });
}

function fail(path: string, problem: string): never {
  throw new InvalidProcessConfigError(path, [problem]);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = resolve(path);
    if (code === 'ENOENT') fail(path, `file not found at ${where}; create it, or point to the right file`);
    if (code === 'EISDIR') fail(path, `${where} is a directory; point to the config file inside it`);
    if (code === 'EACCES' || code === 'EPERM') fail(path, `file ${where} cannot be read: permission denied`);
    fail(path, `file ${where} cannot be read: ${(error as Error).message}`);
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
  try {
    // merge: `<<: *defaults` shares settings between processes, as YAML users expect.
    return parse(text, { merge: true }) as unknown;
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
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
