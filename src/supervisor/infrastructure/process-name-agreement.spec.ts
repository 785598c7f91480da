import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { validateEnv } from '../../config/env.validation.js';
import { parseProcessConfig } from '../domain/process-config.parser.js';
import { isProcessName } from '../domain/process-name.js';
import { expandInstances } from '../domain/process-spec.js';
import { InvalidProcessConfigError } from '../domain/supervisor.errors.js';
import { RotatingLogFile } from './log-writer/rotating-log-file.js';
import { isSafeLogName } from './log-writer/log-writer.store.js';

/** Names a user could type, or a forged file could hold: dots, dashes, unicode, lengths around 64. */
const AWKWARD_NAMES = [
  'a', '1', 'web', 'A_b-c.d', 'a.b', 'a..b', 'a...b', '.', '..', '.hidden', '..a', 'a..', 'a.', 'a-', '-a', '_a', 'a_',
  'a.-.b', 'web.log', 'web.log.1', 'a/b', '../x', 'a\\b', 'a\0b', '', ' ', ' a', 'a ', 'a b', 'a\nb', 'a\tb', 'ü', 'naïve',
  '日本', 'a\u200bb', 'e\u0301', '😀', 'a%2e%2e', 'x'.repeat(59), 'x'.repeat(60), 'x'.repeat(61), 'x'.repeat(62),
  'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), `${'y'.repeat(62)}..`, `a.${'z'.repeat(62)}`,
];
const INSTANCE_COUNTS = [1, 2, 9, 10, 100];

function parse(name: string, instances: number) {
  return parseProcessConfig({ processes: [{ name, command: 'node', instances }] }, { source: 'test.yaml', baseDir: '/srv', resolvePath: resolve });
}

function accepted(name: string, instances: number): string[] | InvalidProcessConfigError {
  try {
    return parse(name, instances).flatMap((spec) => expandInstances(spec).map((instance) => instance.name));
  } catch (error) {
    if (error instanceof InvalidProcessConfigError) return error;
    throw error;
  }
}

describe('process names: the config, the log files and the environment agree', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = fs.mkdtempSync(join(tmpdir(), 'procguard-names-'));
    dir = join(root, 'logs');
  });

  afterEach(async () => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe.each(INSTANCE_COUNTS)('with %i instance(s)', (instances) => {
    it.each(AWKWARD_NAMES.map((name) => [JSON.stringify(name), name]))('%s: every name the config accepts gets its own log file', (_, name) => {
      const result = accepted(name, instances);

      if (result instanceof InvalidProcessConfigError) {
        // Rejected: the problem is about the name, and the log store would have refused it too.
        expect(result.problems.join('\n')).toContain('"name"');
        expect(isProcessName(name) && instances > 1).toBe(!!result.problems.join().match(/runs as/));
        return;
      }
      expect(result).toHaveLength(instances);
      for (const instanceName of result) {
        expect(isProcessName(instanceName)).toBe(true);
        expect(isSafeLogName(instanceName)).toBe(true);
        const file = join(dir, `${instanceName}.log`);
        const problems: string[] = [];
        const log = new RotatingLogFile(file, 1024 * 1024, 3, { unusable: (_p, r) => problems.push(r), storage: (_p, e) => e && problems.push(String(e)) });
        log.write(Buffer.from('line\n'));
        log.close();
        expect(problems).toEqual([]);
        expect(fs.readFileSync(file, 'utf8')).toBe('line\n');
        expect(dirname(fs.realpathSync(file))).toBe(fs.realpathSync(dir));
        expect(basename(file)).toBe(`${instanceName}.log`);
      }
    });
  });

  it.each(AWKWARD_NAMES.filter((name) => name.trim() !== '' && !name.includes(',')).map((name) => [JSON.stringify(name), name]))(
    '%s: READY_REQUIRES accepts exactly the names the config accepts',
    (_, name) => {
      const envAccepts = (() => {
        try {
          validateEnv({ READY_REQUIRES: name }, '/srv');
          return true;
        } catch {
          return false;
        }
      })();
      // The env list is trimmed, as a user writes "a, b".
      expect(envAccepts).toBe(isProcessName(name.trim()));
      expect(isProcessName(name)).toBe(!(accepted(name, 1) instanceof InvalidProcessConfigError));
    },
  );

  it('accepts "a..b" nowhere, so no part can crash on a name another part let through', () => {
    expect(accepted('a..b', 1)).toBeInstanceOf(InvalidProcessConfigError);
    expect(isSafeLogName('a..b')).toBe(false);
    expect(() => validateEnv({ READY_REQUIRES: 'a..b' }, '/srv')).toThrow(/must not contain "\.\."/);
  });
});
