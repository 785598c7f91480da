import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freePort, getJson, startInstance, tempDir, waitExit, waitFor, waitReady } from './support/harness.js';
import { fixture, startBackend } from './support/supervisor-harness.js';

afterEach(cleanup);

describe('files planted in the data directory', () => {
  describe.each(['children.json', 'events.jsonl', 'backend.pid'])('when %s is a FIFO', (file) => {
    it('starts, serves and stops on SIGTERM instead of blocking in open() for ever', async () => {
      const dataDir = tempDir();
      execFileSync('mkfifo', [join(dataDir, file)]);
      const port = await freePort();
      const proc = startInstance({ dataDir, port });

      await waitReady(proc, port);
      proc.child.kill('SIGTERM');

      expect(await waitExit(proc)).toEqual({ code: 0, signal: null });
    });
  });

  describe('when children.json becomes a directory while a child crash-loops', () => {
    it('keeps supervising, reports the records as failing, and writes them again once the path is free', async () => {
      const crasher = `  - name: crasher\n    command: node\n    args: ["${fixture('crasher.mjs')}"]\n    env: { CRASH_AFTER_MS: "200" }\n    backoff: { initialDelayMs: 100, maxDelayMs: 200 }\n    maxRestarts: 1000\n`;
      const backend = await startBackend(`processes:\n${crasher}`);
      const records = join(backend.dataDir, 'children.json');
      rmSync(records, { force: true });
      mkdirSync(records);

      const degraded = await waitFor(async () => {
        const body = (await getJson(backend.port, '/api/health')).body;
        return body.details?.storage?.status === 'degraded' ? body.details.storage : null;
      }, 'health to report the child records');
      const restartsThen = (await getJson(backend.port, '/api/processes/crasher')).body.restarts as number;
      await waitFor(async () => (await getJson(backend.port, '/api/processes/crasher')).body.restarts > restartsThen + 2, 'restarts to go on');

      expect(degraded.problems.map((p: { component: string }) => p.component)).toEqual(['child records']);
      expect(backend.proc.isRunning()).toBe(true);
      expect(backend.proc.output()).not.toContain('Uncaught exception');
      expect(backend.proc.output().match(/Cannot write .*children\.json \(EISDIR\)/g)).toHaveLength(1);

      rmSync(records, { recursive: true });
      await waitFor(async () => (await getJson(backend.port, '/api/health')).body.details.storage.status === 'up', 'the records to be written again');
      expect(existsSync(records)).toBe(true);
      expect(readdirSync(backend.dataDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    });
  });
});
