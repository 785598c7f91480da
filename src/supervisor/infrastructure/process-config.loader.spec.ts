import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { InvalidProcessConfigError } from '../domain/supervisor.errors.js';
import { execFileSync } from 'node:child_process';
import { flowDepthBeyond, loadProcessConfig, MAX_CONFIG_BYTES, MAX_YAML_FLOW_DEPTH, processConfigSource } from './process-config.loader.js';

describe('loadProcessConfig', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'procguard-config-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `text` to `<dir>/<name>` and returns the path. */
  function file(name: string, text: string): string {
    const path = join(dir, name);
    fs.writeFileSync(path, text);
    return path;
  }

  function errorOf(path: string): InvalidProcessConfigError {
    try {
      loadProcessConfig(path, dir);
    } catch (error) {
      if (error instanceof InvalidProcessConfigError) return error;
      throw error;
    }
    throw new Error(`expected ${path} to be rejected, but it loaded`);
  }

  describe('when the file is YAML', () => {
    const yaml = [
      'processes:',
      '  - name: web',
      '    command: node',
      '    args: [server.js, --port, 8080]',
      '    cwd: services/web',
      '    instances: 2',
      '    port: 8080',
      '    readiness:',
      '      http: http://127.0.0.1:{port}/health',
      '  - name: worker',
      '    command: ./worker',
      '    env: { QUEUE: jobs, CONCURRENCY: 4 }',
      '',
    ].join('\n');

    it('reads it and resolves cwd against the base directory', () => {
      const [web, worker] = loadProcessConfig(file('processes.yaml', yaml), dir);

      expect(web).toMatchObject({
        name: 'web',
        args: ['server.js', '--port', '8080'],
        cwd: join(dir, 'services/web'),
        instances: 2,
        readiness: { target: { kind: 'http', url: 'http://127.0.0.1:{port}/health' } },
      });
      expect(worker).toMatchObject({ command: './worker', cwd: dir, env: { QUEUE: 'jobs', CONCURRENCY: '4' } });
    });

    it('reads .yml and other extensions as YAML too', () => {
      expect(loadProcessConfig(file('processes.yml', yaml), dir)).toHaveLength(2);
      expect(loadProcessConfig(file('processes.conf', yaml), dir)).toHaveLength(2);
    });

    it('makes a relative base directory absolute', () => {
      const [web] = loadProcessConfig(file('processes.yaml', yaml), relative(process.cwd(), dir));

      expect(web.cwd).toBe(join(dir, 'services/web'));
    });

    it('shares settings through merge keys', () => {
      const path = file('shared.yaml', ['- &web { name: web, command: node, killTimeoutMs: 100 }', '- { <<: *web, name: api }', ''].join('\n'));

      expect(loadProcessConfig(path, dir).map((spec) => [spec.name, spec.killTimeoutMs])).toEqual([
        ['web', 100],
        ['api', 100],
      ]);
    });

    it('reads an empty file as an empty config, which is rejected', () => {
      expect(errorOf(file('empty.yaml', '\n')).problems).toEqual([
        'the config is empty: list the processes under "processes" ("processes: []" for none)',
      ]);
    });
  });

  describe('when the file is JSON', () => {
    it('reads it, a byte order mark included', () => {
      const path = file('processes.json', '\uFEFF{ "apps": [{ "name": "api", "script": "app.js", "max_restarts": 2 }] }');

      expect(loadProcessConfig(path, dir)).toEqual([expect.objectContaining({ command: 'node', args: ['app.js'], maxRestarts: 2 })]);
    });

    it('reports a syntax error with its line and column', () => {
      const path = file('processes.json', '{\n  "processes": [\n    { "name": "web", }\n  ]\n}\n');

      expect(errorOf(path).problems).toEqual(['JSON syntax error at line 3, column 22: Expected double-quoted property name']);
    });
  });

  describe('when the YAML is not valid YAML', () => {
    it('reports the syntax error with its line and column', () => {
      const path = file('bad.yaml', 'processes:\n  - name: web\n\tcommand: node\n');

      const error = errorOf(path);

      expect(error.source).toBe(path);
      expect(error.problems).toEqual(['YAML syntax error at line 3, column 1: Tabs are not allowed as indentation']);
    });

    it('reports a key given twice', () => {
      const path = file('twice.yaml', '- name: web\n  command: node\n  name: api\n');

      expect(errorOf(path).problems).toEqual(['YAML syntax error at line 3, column 3: Map keys must be unique']);
    });

    it('reports more than one document', () => {
      const path = file('docs.yaml', 'processes: []\n---\nprocesses: []\n');

      expect(errorOf(path).problems).toEqual([
        'the file holds more than one YAML document (a "---" at line 2, column 1); put every process in one document',
      ]);
    });
  });

  describe('when the content is not a valid config', () => {
    it('throws the parser\'s problems under the file path', () => {
      const path = file('processes.yaml', 'processes:\n  - name: web\n    command: node\n    instnces: 2\n');

      const error = errorOf(path);

      expect(error.source).toBe(path);
      expect(error.problems).toEqual(['processes[0] "web": unknown field "instnces"; did you mean "instances"?']);
    });
  });

  describe('when the file cannot be read', () => {
    it('says a missing file was not found, and where it was looked for', () => {
      const path = join(dir, 'missing.yaml');

      const error = errorOf(path);

      expect(error.source).toBe(path);
      expect(error.problems).toEqual([`file not found at ${path}; create it, or point to the right file`]);
    });

    it('says a directory is not a file', () => {
      expect(errorOf(dir).problems).toEqual([`${dir} is a directory; point to the config file inside it`]);
    });
  });

  describe('when the file is too large to be a config', () => {
    it('refuses it by its size before reading or parsing it', () => {
      // A valid config padded past the limit with a comment: only the size can be the reason.
      const path = file('big.yaml', `processes: []\n#${'x'.repeat(MAX_CONFIG_BYTES)}\n`);

      expect(errorOf(path).problems).toEqual([
        `file ${path} is ${MAX_CONFIG_BYTES + 16} bytes; a process config may be at most ${MAX_CONFIG_BYTES} bytes (512 KiB)`,
      ]);
    });

    it('still reads a file of exactly the limit', () => {
      const head = 'processes: []\n#';
      const path = file('limit.yaml', `${head}${'x'.repeat(MAX_CONFIG_BYTES - head.length - 1)}\n`);

      expect(fs.statSync(path).size).toBe(MAX_CONFIG_BYTES);
      expect(loadProcessConfig(path, dir)).toEqual([]);
    });
  });

  describe('when the YAML expands aliases without bound', () => {
    it('refuses it instead of expanding them', () => {
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
      const path = file('bomb.yaml', `${lines.join('\n')}\nprocesses: []\n`);

      expect(errorOf(path).problems).toEqual([expect.stringMatching(/^YAML cannot be read: .*alias/i)]);
    });
  });

  describe('when the YAML nests "[ ]" or "{ }" too deeply', () => {
    it('refuses it in one pass, naming the line, before the parser spends seconds on it', () => {
      const deep = '['.repeat(200_000) + ']'.repeat(200_000);
      const path = file('deep.yaml', `processes: []\nx:\n  ${deep}\n`);
      const started = performance.now();

      const problems = errorOf(path).problems;

      expect(problems).toEqual([`YAML nests "[ ]" or "{ }" more than ${MAX_YAML_FLOW_DEPTH} levels deep at line 3; a process config needs a few`]);
      // The parser took seconds of CPU on this; the scan takes milliseconds (bound generous for load).
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('counts the limit exactly and ignores brackets in quotes, comments and words', () => {
      const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

      expect(flowDepthBeyond(`a: ${nested(MAX_YAML_FLOW_DEPTH)}`, MAX_YAML_FLOW_DEPTH)).toBeNull();
      expect(flowDepthBeyond(`a: 1\nb: ${nested(MAX_YAML_FLOW_DEPTH + 1)}`, MAX_YAML_FLOW_DEPTH)).toBe(2);
      const brackets = '['.repeat(100);
      const text = [`a: "${brackets}"`, `b: '${brackets} it''s'`, `c: 1 # ${brackets}`, `d: x${brackets}`, `e: ["${brackets}", '${brackets}']`].join('\n');
      expect(flowDepthBeyond(text, MAX_YAML_FLOW_DEPTH)).toBeNull();
    });

    it('still reads an ordinary config full of flow collections', () => {
      const path = file('flow.yaml', 'processes:\n  - { name: web, command: node, args: ["-e", "[1, {a: 2}]"], env: { A: "{" } }\n');

      expect(loadProcessConfig(path, dir).map((spec) => spec.args)).toEqual([['-e', '[1, {a: 2}]']]);
    });
  });

  describe('when the path is not a regular file', () => {
    it('refuses a FIFO at once rather than waiting for a writer', () => {
      const path = join(dir, 'fifo.yaml');
      execFileSync('mkfifo', [path]);

      expect(errorOf(path).problems).toEqual([`${path} is not a regular file; point to the config file`]);
    });
  });

  describe('when the default file is absent (processConfigSource)', () => {
    it('means no processes, but a file the operator named must exist', async () => {
      const missing = join(dir, 'missing.yaml');

      await expect(processConfigSource(missing, false, dir).load()).resolves.toEqual([]);
      await expect(processConfigSource(missing, true, dir).load()).rejects.toThrow(InvalidProcessConfigError);
    });
  });

  describe('when the file is a PM2 JavaScript ecosystem file (synchronous loadProcessConfig)', () => {
    it('never runs it in this process, and points to the asynchronous loader', () => {
      const marker = join(dir, 'ran');
      const path = file('ecosystem.config.js', `require('fs').writeFileSync(${JSON.stringify(marker)}, ''); module.exports = { apps: [] };\n`);

      expect(errorOf(path).problems).toEqual(['JavaScript ecosystem files (.js) are read asynchronously (loadProcessConfigFile)']);
      expect(fs.existsSync(marker)).toBe(false);
    });
  });
});
