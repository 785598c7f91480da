import { jest } from '@jest/globals';
import { cleanup, freePort, getJson, spawnInTerminal, startInstance, tempDir, waitExit, waitFor, waitReady, type Spawned } from './support/harness.js';
import { fixture, startBackend } from './support/supervisor-harness.js';

afterEach(cleanup);
jest.setTimeout(90000);

/** LOG_FORMAT unset: the default the server picks for itself (JSON: its stdout is a pipe here). */
const DEFAULT_FORMAT = { LOG_FORMAT: undefined };

/** Each stream's text, apart: a line is only whole within its own pipe. */
function capture(proc: Spawned): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  proc.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { stdout: () => stdout, stderr: () => stderr };
}

/** Every line parsed as JSON; a line that is not JSON fails the test, quoting it. */
function jsonLines(text: string): Record<string, any>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, any>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
}

const CRASHER = `
processes:
  - name: crashy
    command: node
    args: ["${fixture('crasher.mjs')}"]
    env: { CRASH_AFTER_MS: "300" }
    backoff: { initialDelayMs: 100, factor: 2, maxDelayMs: 200, resetAfterMs: 60000 }
`;

describe('one structured log (real backend)', () => {
  describe('with LOG_FORMAT unset and the output a pipe', () => {
    it('writes only JSON lines through start, an agent crash and restart, and SIGTERM, lifecycle facts as fields', async () => {
      // Arrange
      const dataDir = tempDir();
      const port = await freePort();
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${dataDir}/processes.yaml`, CRASHER);
      const proc = startInstance({ dataDir, port, env: { ...DEFAULT_FORMAT, PROCESSES_CONFIG: `${dataDir}/processes.yaml` } });
      const out = capture(proc);
      await waitReady(proc, port);

      // Act: the agent crashes and is restarted at least once, then the backend is stopped.
      await waitFor(async () => (await getJson(port, '/api/processes/crashy')).body.restarts >= 1, 'crashy to be restarted', 30000);
      proc.child.kill('SIGTERM');
      const exit = await waitExit(proc, 20000);

      // Assert
      expect(exit.code).toBe(0);
      const stdout = jsonLines(out.stdout());
      const stderr = jsonLines(out.stderr());
      const all = [...stdout, ...stderr];
      for (const line of all) {
        expect(line).toEqual(
          expect.objectContaining({ time: expect.any(String), level: expect.any(String), pid: proc.pid, instanceId: expect.any(String), context: expect.any(String), msg: expect.any(String) }),
        );
        expect(Number.isNaN(Date.parse(line.time))).toBe(false);
      }
      expect(new Set(all.map((line) => line.instanceId)).size).toBe(1);
      expect(stderr.every((line) => ['warn', 'error', 'fatal'].includes(line.level))).toBe(true);
      expect(stdout.every((line) => !['warn', 'error', 'fatal'].includes(line.level))).toBe(true);
      // Nest's own lines and procguard's, in one format.
      expect(all.some((line) => line.context === 'NestFactory')).toBe(true);
      expect(all.some((line) => line.context === 'Bootstrap' && line.msg.startsWith('Listening on http://'))).toBe(true);

      const states = all.filter((line) => line.event === 'process.state' && line.process?.name === 'crashy');
      const crash = states.find((line) => line.process.from === 'running' && line.process.exitCode === 1);
      expect(crash).toBeDefined();
      expect(crash!.process).toEqual(expect.objectContaining({ name: 'crashy', pid: expect.any(Number), exitCode: 1, signal: null }));
      const runs = states.filter((line) => line.process.to === 'running');
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(new Set(runs.map((line) => line.process.pid)).size).toBe(runs.length);
      expect(states.some((line) => line.process.to === 'backoff' && line.level === 'warn')).toBe(true);
      expect(all.some((line) => line.msg.includes('SIGTERM received'))).toBe(true);
      expect(stdout.some((line) => line.msg.startsWith('Shutdown step "release instance lock" done'))).toBe(true);
    });

    it('refuses a duplicate in one JSON line that names the holder', async () => {
      // Arrange
      const backend = await startBackend('processes: []\n', DEFAULT_FORMAT);

      // Act
      const second = startInstance({ dataDir: backend.dataDir, port: backend.port, env: DEFAULT_FORMAT });
      const out = capture(second);
      const exit = await waitExit(second);

      // Assert
      expect(exit.code).toBe(3);
      expect(out.stdout()).toBe('');
      const [refusal, ...more] = jsonLines(out.stderr());
      expect(more).toEqual([]);
      expect(refusal).toEqual(
        expect.objectContaining({ level: 'error', code: 'INSTANCE_ALREADY_RUNNING', exitCode: 3, holder: expect.objectContaining({ pid: backend.proc.pid }) }),
      );
      expect(refusal.msg).toContain('already running for this data directory');
    });
  });

  describe('with LOG_LEVEL=warn', () => {
    it('leaves out the info lines and keeps the warnings', async () => {
      // Arrange
      const backend = await startBackend('processes: []\n', { LOG_FORMAT: 'json', LOG_LEVEL: 'warn' });
      const out = capture(backend.proc);

      // Act
      backend.proc.child.kill('SIGTERM');
      expect((await waitExit(backend.proc, 20000)).code).toBe(0);

      // Assert
      const lines = jsonLines(backend.proc.output());
      expect(lines.map((line) => line.level).filter((level) => level !== 'warn' && level !== 'error')).toEqual([]);
      expect(lines.some((line) => line.level === 'warn' && line.msg.includes('SIGTERM received'))).toBe(true);
      expect(out.stdout()).toBe('');
    });
  });

  describe('with a bad LOG_FORMAT or LOG_LEVEL', () => {
    it.each([
      ['LOG_FORMAT', 'xml', 'LOG_FORMAT="xml" must be one of pretty, json'],
      ['LOG_LEVEL', 'loud', 'LOG_LEVEL="loud" must be one of error, warn, log, info, debug, verbose'],
    ])('exits 2 naming %s (in the default format: one JSON line, the output being a pipe)', async (variable, value, message) => {
      const proc = startInstance({ dataDir: tempDir(), port: await freePort(), env: { ...DEFAULT_FORMAT, [variable]: value } });
      const exit = await waitExit(proc);
      expect(exit.code).toBe(2);
      const [line, ...more] = jsonLines(proc.output());
      expect(more).toEqual([]);
      expect(line).toEqual(expect.objectContaining({ level: 'error', code: 'INVALID_ENVIRONMENT', problems: [message] }));
      expect(line.msg).not.toMatch(/\n\s+at /);
    });

    it('says it in words with LOG_FORMAT=pretty beside the mistake', async () => {
      const proc = startInstance({ dataDir: tempDir(), port: await freePort(), env: { LOG_FORMAT: 'pretty', LOG_LEVEL: 'chatty' } });
      expect((await waitExit(proc)).code).toBe(2);
      expect(proc.output()).toBe('Invalid environment:\n  - LOG_LEVEL="chatty" must be one of error, warn, log, info, debug, verbose\n');
    });
  });

  describe('in a real terminal with LOG_FORMAT unset', () => {
    it('writes pretty lines for people, Nest and procguard alike, and stops on Ctrl+C', async () => {
      // Arrange
      const dataDir = tempDir();
      const port = await freePort();
      const term = spawnInTerminal(`${process.execPath} dist/main.js`, {
        env: { ...DEFAULT_FORMAT, DATA_DIR: dataDir, PORT: String(port), PROCESSES_CONFIG: fixture('no-processes.yaml') },
      });
      await waitReady(term, port);
      expect((await getJson(port, '/api/health')).status).toBe(200);

      // Act
      term.type('\x03');
      const exit = await waitExit(term, 20000);

      // Assert
      expect(exit.code).toBe(0);
      // The terminal echoes the Ctrl+C as "^C" before the next line.
      const lines = term.output().replaceAll('^C', '').split(/\r?\n/).filter((line) => line.trim() !== '');
      expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
      const pretty = /^\[procguard\] \d+ \d{4}-\d\d-\d\dT\S+Z (LOG|WARN|ERROR|DEBUG|VERBOSE) \[\w+\] \S/;
      expect(lines.filter((line) => !pretty.test(line))).toEqual([]);
      expect(term.output()).toMatch(/LOG \[NestFactory\] Starting Nest application/);
      expect(term.output()).toMatch(/WARN \[Bootstrap\] SIGINT received: shutting down gracefully/);
    });
  });
});
