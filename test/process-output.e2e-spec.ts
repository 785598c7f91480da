import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cleanup, freePort, getJson, tempDir, waitFor } from './support/harness.js';
import { fixture, processStatus, startBackend } from './support/supervisor-harness.js';

afterEach(cleanup);

/** Every line of `<dir>/<base>` and its rotated files, oldest first. */
function allLines(dir: string, base: string): string[] {
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`) && /^\d+$/.test(f.slice(base.length + 1)))
    .sort((a, b) => Number(b.slice(base.length + 1)) - Number(a.slice(base.length + 1)));
  return [...rotated, base]
    .filter((f) => existsSync(join(dir, f)))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').slice(0, -1));
}

const TOTAL = 200_000;

describe('children\'s output, written by the log writer', () => {
  it('loses no line across many rotations under a flood, never cuts one, and /logs tails the newest', async () => {
    const backend = await startBackend(
      `processes:\n  - name: flood\n    command: node\n    args: ["${fixture('numbered-lines.mjs')}", "${TOTAL}"]\n    autorestart: never\n`,
      { PROCESS_LOG_MAX_BYTES: String(256 * 1024), PROCESS_LOG_FILES: '100' },
    );
    const logs = join(backend.dataDir, 'logs');
    await waitFor(async () => (await processStatus(backend, 'flood')).lastExit?.code === 0, 'the flood to finish', 90_000);
    // stdout and stderr are two pipes: the last stderr line may land after "done".
    await waitFor(() => {
      const seen = allLines(logs, 'flood.log');
      return seen.includes('done') && seen.filter((l) => l.startsWith('err ')).length === TOTAL / 1000;
    }, 'the last lines of both streams in the files', 30_000);

    const lines = allLines(logs, 'flood.log');
    const numbered = lines.filter((l) => l.startsWith('line '));
    expect(numbered).toHaveLength(TOTAL);
    numbered.forEach((line, index) => {
      if (line !== `line ${index + 1} ${'x'.repeat(40)}`) throw new Error(`line ${index + 1} is ${JSON.stringify(line)}`);
    });
    expect(lines.filter((l) => l.startsWith('err '))).toHaveLength(TOTAL / 1000);
    const files = readdirSync(logs).filter((f) => f.startsWith('flood.log'));
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) expect(statSync(join(logs, f)).size).toBeLessThanOrEqual(256 * 1024);

    const tail = await getJson(backend.port, '/api/processes/flood/logs?lines=20');
    expect(tail.status).toBe(200);
    // The newest 20 lines end with stdout's last 3; stderr's last few lines may be among them or not
    // (two pipes, read in either order, and stderr's last lines may arrive after stdout's).
    expect(tail.body.lines).toHaveLength(20);
    expect(tail.body.lines.filter((l: string) => / stdout /.test(l)).slice(-3)).toEqual([
      expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z stdout line ${TOTAL - 1} x{40}$`)),
      expect.stringMatching(new RegExp(`Z stdout line ${TOTAL} x{40}$`)),
      expect.stringMatching(/Z stdout done$/),
    ]);
  }, 120_000);

  it('keeps only PROCESS_LOG_FILES rotated files: the disk stays bounded', async () => {
    const backend = await startBackend(
      `processes:\n  - name: flood\n    command: node\n    args: ["${fixture('numbered-lines.mjs')}", "100000"]\n    autorestart: never\n`,
      { PROCESS_LOG_MAX_BYTES: String(64 * 1024), PROCESS_LOG_FILES: '2' },
    );
    const logs = join(backend.dataDir, 'logs');
    await waitFor(async () => (await processStatus(backend, 'flood')).lastExit?.code === 0, 'the flood to finish', 90_000);
    await waitFor(() => readFileSync(join(logs, 'flood.log'), 'utf8').includes('done\n'), 'the last line in the file', 30_000);
    expect(readdirSync(logs).filter((f) => f.startsWith('flood.log')).sort()).toEqual(['flood.log', 'flood.log.1', 'flood.log.2']);
  }, 120_000);

  it('answers /api/health/live within 2 s and keeps a probed neighbour running while a child runs `yes`', async () => {
    const port = await freePort();
    const backend = await startBackend(
      'processes:\n' +
        '  - name: yes\n    command: yes\n    args: ["a fairly long line of output"]\n' +
        `  - name: hangable\n    command: node\n    args: ["${fixture('hangable-server.mjs')}"]\n    port: ${port}\n` +
        '    readiness: { tcp: true, intervalMs: 100, timeoutMs: 500, failureThreshold: 3, startupGraceMs: 5000 }\n',
    );
    await waitFor(async () => (await processStatus(backend, 'hangable')).state === 'running', 'the neighbour to be ready', 30_000);
    await waitFor(() => existsSync(join(backend.dataDir, 'logs', 'yes.log.2')), 'yes to write two rotations of its log', 30_000);

    const slowest: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      const res = await getJson(backend.port, '/api/health/live');
      slowest.push(performance.now() - started);
      expect(res.status).toBe(200);
    }
    expect(Math.max(...slowest)).toBeLessThan(2000);
    const neighbour = await processStatus(backend, 'hangable');
    expect(neighbour).toMatchObject({ state: 'running', restarts: 0 });
    expect((await processStatus(backend, 'yes')).state).toBe('running');
  }, 120_000);
});

describe('PM2 log fields, on real files', () => {
  it('writes out_file, error_file and log_file relative to cwd, each line stamped as log_date_format asks', async () => {
    const dir = tempDir();
    const config = join(dir, 'ecosystem.config.json');
    const apps = [
      { name: 'app', script: fixture('numbered-lines.mjs'), args: ['2000', '--stay'], cwd: dir, out_file: './logs/out.log', error_file: './logs/err.log', log_file: 'logs/all.log', log_date_format: '[at] YYYY-MM-DD HH:mm:ss.SSS' },
      { name: 'plain', script: fixture('numbered-lines.mjs'), args: ['10', '--stay', '--err-done'], cwd: dir, out_file: 'plain-out.log', error_file: '/dev/null', time: true },
    ];
    (await import('node:fs')).writeFileSync(config, JSON.stringify({ apps }));
    const backend = await startBackend('processes: []\n', { PROCESSES_CONFIG: config }, dir);

    await waitFor(() => existsSync(join(dir, 'logs/all.log')) && readFileSync(join(dir, 'logs/all.log'), 'utf8').includes(': done\n'), 'app to finish', 30_000);
    await waitFor(() => existsSync(join(dir, 'plain-out.log')) && readFileSync(join(dir, 'plain-out.log'), 'utf8').includes(': done\n'), 'plain to finish', 30_000);
    const stamp = '^at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}: ';
    const out = readFileSync(join(dir, 'logs/out.log'), 'utf8').split('\n').slice(0, -1);
    const err = readFileSync(join(dir, 'logs/err.log'), 'utf8').split('\n').slice(0, -1);
    const all = readFileSync(join(dir, 'logs/all.log'), 'utf8').split('\n').slice(0, -1);
    expect(out).toHaveLength(2001);
    for (const line of out) expect(line).toMatch(new RegExp(`${stamp}(line \\d+ x{40}|done)$`));
    expect(err).toHaveLength(2);
    for (const line of err) expect(line).toMatch(new RegExp(`${stamp}err \\d+$`));
    expect(all.length).toBe(2003);
    // `time: true` is PM2's YYYY-MM-DDTHH:mm:ss; stderr to /dev/null goes to no file (and not to the default one).
    const plain = readFileSync(join(dir, 'plain-out.log'), 'utf8').split('\n').slice(0, -1);
    expect(plain).toHaveLength(11);
    for (const line of plain) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: (line \d+ x{40}|done)$/);
    expect(existsSync(join(backend.dataDir, 'logs', 'plain.log'))).toBe(false);
    // /logs still tails from memory. The order of stdout against stderr is the order the two pipes were
    // read in: app's `err 2000` comes before its last 1000 stdout lines, so it may be read before them
    // (outside any tail) or after; both streams are checked on plain, whose whole output a tail holds.
    const tail: string[] = (await getJson(backend.port, '/api/processes/app/logs?lines=20')).body.lines;
    expect(tail.filter((line) => / stdout /.test(line)).slice(-2)).toEqual([expect.stringMatching(/Z stdout line 2000 x{40}$/), expect.stringMatching(/Z stdout done$/)]);
    await waitFor(async () => (await getJson(backend.port, '/api/processes/plain/logs?lines=20')).body.lines.some((line: string) => /Z stderr err done$/.test(line)), 'plain\'s stderr in its tail');
    const plainTail: string[] = (await getJson(backend.port, '/api/processes/plain/logs?lines=20')).body.lines;
    expect(plainTail).toHaveLength(12);
    expect(plainTail.filter((line) => / stdout /.test(line)).slice(-2)).toEqual([expect.stringMatching(/Z stdout line 10 x{40}$/), expect.stringMatching(/Z stdout done$/)]);
  }, 120_000);

  it('gives each instance its own -<index> file, or one shared file with merge_logs', async () => {
    const dir = tempDir();
    const config = join(dir, 'ecosystem.config.json');
    const app = (name: string, merge: boolean) => ({ name, script: fixture('numbered-lines.mjs'), args: ['100', '--stay'], cwd: dir, instances: 2, out_file: `${name}.log`, error_file: `${name}.log`, merge_logs: merge });
    (await import('node:fs')).writeFileSync(config, JSON.stringify({ apps: [app('split', false), app('merged', true)] }));
    await startBackend('processes: []\n', { PROCESSES_CONFIG: config }, dir);

    const done = (file: string, count: number) => existsSync(join(dir, file)) && readFileSync(join(dir, file), 'utf8').split('done\n').length - 1 === count;
    await waitFor(() => done('split-1.log', 1) && done('split-2.log', 1) && done('merged.log', 2), 'every instance to finish', 30_000);
    expect(existsSync(join(dir, 'split.log'))).toBe(false);
    for (const file of ['split-1.log', 'split-2.log']) expect(readFileSync(join(dir, file), 'utf8').split('\n').slice(0, -1)).toHaveLength(100 + 1);
    const merged = readFileSync(join(dir, 'merged.log'), 'utf8').split('\n').slice(0, -1);
    expect(merged).toHaveLength(2 * 101);
    // Whole lines only, even with two instances and two streams writing the one file.
    for (const line of merged) expect(line).toMatch(/^(line \d+ x{40}|done)$/);
  }, 120_000);
});
