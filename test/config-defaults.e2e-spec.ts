import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, getJson, isAlive, waitExit, waitFor } from './support/harness.js';
import { fixture, post, processStatus, startBackend, waitForLogLine } from './support/supervisor-harness.js';

afterEach(cleanup);
jest.setTimeout(90000);

describe('process config defaults and names (real backend)', () => {
  describe('when an agent ignores SIGTERM and nothing sets a timeout', () => {
    it('still shuts down gracefully: exit 0, the database closed cleanly, the agent gone, no warning', async () => {
      // Defaults everywhere: no killTimeoutMs in the spec, SHUTDOWN_TIMEOUT_MS unset.
      const backend = await startBackend(
        `
processes:
  - name: stubborn
    command: node
    args: ["${fixture('ignore-term.mjs')}"]
`,
        { SHUTDOWN_TIMEOUT_MS: '' },
      );
      await waitForLogLine(backend, 'stubborn', 'ignore-term started');
      const { pid } = await processStatus(backend, 'stubborn');

      backend.proc.child.kill('SIGTERM');
      const exit = await waitExit(backend.proc, 30000);

      const out = backend.proc.output();
      expect({ code: exit.code, out }).toEqual({ code: 0, out: expect.stringMatching(/Shutdown step "close database" done in \d+ ms/) });
      expect(out).not.toContain('does not fit SHUTDOWN_TIMEOUT_MS');
      expect(out).not.toContain('Forcing exit');
      expect(isAlive(pid)).toBe(false);
      // The WAL is checkpointed and removed only by a clean close.
      expect(() => readFileSync(join(backend.dataDir, 'app.db-wal'))).toThrow(/ENOENT/);
    });
  });

  describe('when a spec\'s killTimeoutMs cannot fit the shutdown deadline', () => {
    it('says so in one warning line at start, naming the process', async () => {
      const backend = await startBackend(
        `
processes:
  - name: patient
    command: node
    args: ["${fixture('sleeper.mjs')}"]
    killTimeoutMs: 4500
  - name: quick
    command: node
    args: ["${fixture('sleeper.mjs')}"]
`,
        { SHUTDOWN_TIMEOUT_MS: '5000' },
      );

      const warnings = backend.proc.output().split('\n').filter((line) => line.includes('does not fit SHUTDOWN_TIMEOUT_MS'));
      expect(warnings).toEqual([expect.stringContaining('WARN [Bootstrap] Process "patient": killTimeoutMs 4500 does not fit SHUTDOWN_TIMEOUT_MS 5000')]);
    });
  });

  describe('when names are awkward but valid', () => {
    const names = ['a.b', 'a-', 'A_.-1', 'web.log', 'x'.repeat(64)];
    const withInstances = 'y'.repeat(62);

    it('serves every route for each of them and never crashes on their output', async () => {
      const entries = names.map((name) => `  - { name: "${name}", command: node, args: ["-e", "console.log('hello from ' + process.env.PROCGUARD_PROCESS_NAME); setInterval(() => {}, 1000)"] }`);
      entries.push(`  - { name: "${withInstances}", instances: 9, command: node, args: ["-e", "console.log('hello from ' + process.env.PROCGUARD_PROCESS_NAME); setInterval(() => {}, 1000)"] }`);
      const backend = await startBackend(`processes:\n${entries.join('\n')}\n`);
      const all = [...names, ...Array.from({ length: 9 }, (_, i) => `${withInstances}-${i + 1}`)];

      for (const name of all) {
        await waitForLogLine(backend, name, `hello from ${name}`);
        expect((await getJson(backend.port, `/api/processes/${name}`)).status).toBe(200);
        expect((await getJson(backend.port, `/api/processes/${name}/history`)).status).toBe(200);
      }
      const restarted = await post(backend, `/api/processes/${names[0]}/restart`);
      await waitForLogLine(backend, names[0], `hello from ${names[0]}`);

      expect(restarted.status).toBe(200);
      expect(backend.proc.isRunning()).toBe(true);
      expect(await waitFor(async () => (await getJson(backend.port, '/api/health')).status === 200, 'health 200')).toBe(true);
    });
  });
});
