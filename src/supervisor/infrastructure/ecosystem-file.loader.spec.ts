import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidProcessConfigError } from '../domain/supervisor.errors.js';
import { loadProcessConfigFile, MAX_CONFIG_BYTES, processConfigSource } from './process-config.loader.js';

// Real files, evaluated by a real separate Node process.

/** Generous: the machine is loaded; the timeout tests set their own, shorter one. */
const SLOW_MS = 30_000;

describe('loadProcessConfigFile with a PM2 JavaScript ecosystem file', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'procguard-ecosystem-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, text: string): string {
    const path = join(dir, name);
    fs.mkdirSync(join(path, '..'), { recursive: true });
    fs.writeFileSync(path, text);
    return path;
  }

  async function problemsOf(path: string, options: Parameters<typeof loadProcessConfigFile>[2] = {}): Promise<readonly string[]> {
    try {
      await loadProcessConfigFile(path, dir, options);
    } catch (error) {
      if (error instanceof InvalidProcessConfigError) {
        expect(error.source).toBe(path);
        return error.problems;
      }
      throw error;
    }
    throw new Error(`expected ${path} to be rejected, but it loaded`);
  }

  it.each<[string, string]>([
    ['module.exports in a .js file', `module.exports = { apps: [{ name: 'api', script: './api.js', env: { N: require('path').sep } }] };\n`],
    ['module.exports in a .cjs file', `const path = require('node:path');\nmodule.exports = { apps: [{ name: 'api', script: ['.', 'api.js'].join(path.sep), env: { N: '/' } }] };\n`],
    ['export default in a .mjs file', `import { sep } from 'node:path';\nexport default { apps: [{ name: 'api', script: './api.js', env: { N: sep } }] };\n`],
  ])('loads %s', async (_, text) => {
    const extension = _.includes('.mjs') ? 'mjs' : _.includes('.cjs') ? 'cjs' : 'js';
    const [spec] = await loadProcessConfigFile(file(`ecosystem.config.${extension}`, text), dir);

    expect(spec).toMatchObject({ name: 'api', command: 'node', args: ['./api.js'], env: { N: '/' }, cwd: dir });
  }, SLOW_MS);

  it('loads export default in a .js file of a "type": "module" package', async () => {
    file('package.json', '{ "type": "module" }\n');
    const [spec] = await loadProcessConfigFile(file('ecosystem.config.js', `export default { apps: [{ script: 'server.js' }] };\n`), dir);

    expect(spec.name).toBe('server');
  }, SLOW_MS);

  it('loads named exports when there is no default', async () => {
    const specs = await loadProcessConfigFile(file('ecosystem.config.mjs', `export const apps = [{ script: 'a.js' }, { script: 'b.js' }];\n`), dir);

    expect(specs.map((s) => s.name)).toEqual(['a', 'b']);
  }, SLOW_MS);

  it('evaluates it in another process: its side effects never reach this one', async () => {
    const path = file(
      'ecosystem.config.js',
      `globalThis.__ecosystemRan = true; process.title = 'x';\nmodule.exports = { apps: [{ name: 'api', script: 'a.js', env: { EVALUATED_BY: String(process.pid) } }] };\n`,
    );
    const [spec] = await loadProcessConfigFile(path, dir);

    expect(Number(spec.env.EVALUATED_BY)).toBeGreaterThan(0);
    expect(Number(spec.env.EVALUATED_BY)).not.toBe(process.pid);
    expect((globalThis as Record<string, unknown>).__ecosystemRan).toBeUndefined();
  }, SLOW_MS);

  it('sees the environment, as PM2 files that read process.env expect', async () => {
    process.env.PROCGUARD_TEST_ECOSYSTEM = 'from-env';
    try {
      const [spec] = await loadProcessConfigFile(file('ecosystem.config.js', `module.exports = { apps: [{ script: 'a.js', env: { V: process.env.PROCGUARD_TEST_ECOSYSTEM } }] };\n`), dir);
      expect(spec.env.V).toBe('from-env');
    } finally {
      delete process.env.PROCGUARD_TEST_ECOSYSTEM;
    }
  }, SLOW_MS);

  it("never shows the file procguard's own secrets (API_TOKEN) or its IPC channel variables", async () => {
    process.env.API_TOKEN = 'secret-token-of-the-backend';
    process.env.NODE_CHANNEL_FD = '3';
    try {
      const text = `module.exports = { apps: [{ script: 'a.js', env: { T: String(process.env.API_TOKEN), C: String(process.env.NODE_CHANNEL_FD) } }] };\n`;
      const [spec] = await loadProcessConfigFile(file('ecosystem.config.js', text), dir);
      expect(spec.env).toEqual({ T: 'undefined', C: 'undefined' });
    } finally {
      delete process.env.API_TOKEN;
      delete process.env.NODE_CHANNEL_FD;
    }
  }, SLOW_MS);

  it('validates the export like a JSON file, naming the file and every problem', async () => {
    const path = file('ecosystem.config.js', `module.exports = { apps: [{ script: 'a.js', instances: 'lots', uid: 0 }] };\n`);

    expect(await problemsOf(path)).toEqual([
      'apps[0] "a": "uid" running a process as another user is not supported; run procguard as that user',
      'apps[0] "a": "instances" must be a whole number from 1 to 100, got "lots"',
    ]);
  }, SLOW_MS);

  it('names the reason when the file throws', async () => {
    const path = file('ecosystem.config.js', `throw new Error('DATABASE_URL is not set');\n`);

    expect(await problemsOf(path)).toEqual(['the JavaScript ecosystem file failed to evaluate: Error: DATABASE_URL is not set (line 1)']);
  }, SLOW_MS);

  it('names the reason and the line of a syntax error', async () => {
    const path = file('ecosystem.config.cjs', `module.exports = {\n  apps: [\n    { name: 'a' script: 'a.js' },\n  ],\n};\n`);

    const [problem] = await problemsOf(path);
    expect(problem).toMatch(/^the JavaScript ecosystem file failed to evaluate: SyntaxError: /);
    expect(problem).toContain('(line 3)');
  }, SLOW_MS);

  it('names a missing module it requires', async () => {
    const [problem] = await problemsOf(file('ecosystem.config.js', `require('./no-such-module'); module.exports = { apps: [] };\n`));

    expect(problem).toMatch(/^the JavaScript ecosystem file failed to evaluate: Error: Cannot find module '\.\/no-such-module'/);
  }, SLOW_MS);

  it('refuses an export that is not a config', async () => {
    expect(await problemsOf(file('ecosystem.config.mjs', `export default 42;\n`))).toEqual([
      'the config must be a list of processes or an object with a "processes" list, got 42',
    ]);
    expect(await problemsOf(file('empty.config.js', `// nothing exported\n`))).toEqual([
      'the config has no "processes" list (or PM2 "apps"); write "processes: []" for none',
    ]);
  }, SLOW_MS);

  it('refuses an export that cannot become JSON', async () => {
    const path = file('ecosystem.config.js', `const apps = []; apps.push(apps); module.exports = { apps };\n`);

    expect((await problemsOf(path))[0]).toMatch(/^the JavaScript ecosystem file failed to evaluate: its export cannot be turned into JSON: /);
  }, SLOW_MS);

  it('refuses a file that exits before exporting', async () => {
    expect(await problemsOf(file('ecosystem.config.js', `process.exit(0);\n`))).toEqual([
      'the JavaScript ecosystem file exited with code 0 before exporting its config (did it call process.exit?)',
    ]);
    expect(await problemsOf(file('exit3.config.js', `console.error('no config for you'); process.exit(3);\n`))).toEqual([
      'the JavaScript ecosystem file exited with code 3 before exporting its config: no config for you',
    ]);
  }, SLOW_MS);

  describe('when it never finishes', () => {
    it.each<[string, string]>([
      ['a busy loop', 'while (true) {}\n'],
      ['a promise that never settles', 'export default await new Promise(() => { setInterval(() => {}, 1000); });\n'],
    ])('gives up on %s at the timeout, and this process keeps running meanwhile', async (_, text) => {
      const path = file(_.includes('promise') ? 'ecosystem.config.mjs' : 'ecosystem.config.js', text);
      let ticks = 0;
      const ticker = setInterval(() => (ticks += 1), 20);
      try {
        expect(await problemsOf(path, { evaluationTimeoutMs: 1000 })).toEqual([
          'the JavaScript ecosystem file did not finish within 1000 ms (is it waiting for something?)',
        ]);
      } finally {
        clearInterval(ticker);
      }
      // The wait happened in another process: this event loop kept running.
      expect(ticks).toBeGreaterThan(5);
    }, SLOW_MS);

    it('also ends what the file started (its process group) at the timeout', async () => {
      const pidFile = join(dir, 'grandchild.pid');
      const text =
        `const { spawn } = require('node:child_process');\n` +
        `const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });\n` +
        `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));\n` +
        `setInterval(() => {}, 1000);\n`;
      expect(await problemsOf(file('ecosystem.config.js', text), { evaluationTimeoutMs: 1500 })).toHaveLength(1);

      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      await waitUntil(() => !alive(pid));
      expect(alive(pid)).toBe(false);
    }, SLOW_MS);
  });

  it('ends what the file started when it loads fine, too', async () => {
    const pidFile = join(dir, 'daemon.pid');
    const text =
      `const { spawn } = require('node:child_process');\n` +
      `const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });\n` +
      `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));\n` +
      `module.exports = { apps: [{ script: 'a.js' }] };\n`;
    expect(await loadProcessConfigFile(file('ecosystem.config.js', text), dir)).toHaveLength(1);

    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitUntil(() => !alive(pid));
    expect(alive(pid)).toBe(false);
  }, SLOW_MS);

  it('ends what the file started when the file exits on its own before exporting', async () => {
    const pidFile = join(dir, 'left.pid');
    // The child keeps the file's stdout open: before the lifeline, that held the evaluation open for ever.
    const text =
      `const { spawn } = require('node:child_process');\n` +
      `const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });\n` +
      `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));\n` +
      `process.exit(0);\n`;
    expect(await problemsOf(file('ecosystem.config.js', text))).toEqual([
      'the JavaScript ecosystem file exited with code 0 before exporting its config (did it call process.exit?)',
    ]);

    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitUntil(() => !alive(pid));
    expect(alive(pid)).toBe(false);
  }, SLOW_MS);

  describe('when it produces a lot of output', () => {
    it('loads a file that prints megabytes: what it prints is read and dropped', async () => {
      const text = `for (let i = 0; i < 80; i++) console.log('x'.repeat(65536));\nmodule.exports = { apps: [{ script: 'a.js' }] };\n`;

      expect((await loadProcessConfigFile(file('ecosystem.config.js', text), dir)).map((s) => s.name)).toEqual(['a']);
    }, SLOW_MS);

    it('refuses an export over the size cap, and stops reading it', async () => {
      const text = `module.exports = { apps: [{ script: 'a.js', env: { BIG: 'x'.repeat(${MAX_CONFIG_BYTES}) } }] };\n`;

      expect(await problemsOf(file('ecosystem.config.js', text))).toEqual([
        `the JavaScript ecosystem file exports more than ${MAX_CONFIG_BYTES} bytes of config as JSON; the cap is ${MAX_CONFIG_BYTES}`,
      ]);
    }, SLOW_MS);
  });

  it('applies PROCESSES_ENV and reports warnings through processConfigSource', async () => {
    const path = file(
      'ecosystem.config.js',
      `module.exports = { apps: [{ script: 'a.js', namespace: 'x', env: { NODE_ENV: 'development' }, env_production: { NODE_ENV: 'production' } }] };\n`,
    );
    const warnings: string[] = [];
    const [spec] = await processConfigSource(path, true, dir, { envName: 'production', warn: (m) => warnings.push(m) }).load();

    expect(spec.env).toEqual({ NODE_ENV: 'production' });
    expect(warnings).toEqual([
      'apps[0] "a": PM2 field "namespace" is accepted but has no effect: procguard has no namespaces',
    ]);
  }, SLOW_MS);

  it('refuses a missing file before starting anything', async () => {
    const path = join(dir, 'ecosystem.config.js');

    expect(await problemsOf(path)).toEqual([`file not found at ${path}; create it, or point to the right file`]);
  });
});

/** Running: exists and is not a zombie waiting for a parent that does not reap. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}
