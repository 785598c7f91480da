import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spareProgramPath, WarmAppLauncher } from '../src/cli/warm-app-launcher.js';
import { cleanup, isAlive, ROOT, tempDir, waitFor } from './support/harness.js';

/**
 * A host project whose built entry leaves a report when it runs (argv, whether fd 3 is open,
 * whether the framework was loaded before it) and then runs until signalled.
 */
function hostProject(name = 'warm-host'): { dir: string; entry: string; report: string } {
  const dir = tempDir('procguard-warm-');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': './dist/main.js' } }));
  // A node_modules of its own (linking the repository's packages) for the spare's program.
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (!name.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  const outDir = join(dir, 'dist');
  mkdirSync(outDir);
  const entry = join(outDir, 'main.js');
  const report = join(dir, 'report.json');
  writeFileSync(
    entry,
    `import { fstatSync, readFileSync, writeFileSync } from 'node:fs';
// reflect-metadata, when loaded, defines Reflect.getMetadata: only a preload can have run it by now.
const preloaded = typeof Reflect.getMetadata === 'function';
let fd3 = 'closed';
try { fstatSync(3); fd3 = 'open'; } catch {}
const cmdline = readFileSync('/proc/self/cmdline', 'utf8').replace(/\\0+/g, ' ').trim();
writeFileSync(${JSON.stringify(report)}, JSON.stringify({ argv: process.argv, fd3, cmdline, preloaded }));
setInterval(() => {}, 1000);
`,
  );
  return { dir, entry, report };
}

function launcherFor(host: ReturnType<typeof hostProject>, log: string[] = []): WarmAppLauncher {
  return new WarmAppLauncher({ dir: host.dir, env: { ...process.env }, log: (message) => log.push(message) });
}

afterEach(cleanup);

describe('WarmAppLauncher (procguard dev: the next app process, warmed up)', () => {
  describe('when a spare has preloaded the framework', () => {
    it('runs none of the host code until launched, then runs the entry as a cold start would (argv, cmdline, no fd 3)', async () => {
      const host = hostProject();
      const launcher = launcherFor(host);
      launcher.prepare();
      const spare = launcher.waiting!;
      expect(await spare.preloaded).toBe(true);
      // Loaded the framework, ran nothing of the host's.
      expect(existsSync(host.report)).toBe(false);

      const app = launcher.launch(host.entry);

      expect(app.warm).toBe(true);
      expect(app.pid).toBe(spare.pid);
      const report = await waitFor(() => existsSync(host.report) && JSON.parse(readFileSync(host.report, 'utf8')), 'the entry to run', 20000);
      expect(report.argv).toEqual([process.execPath, host.entry]);
      expect(report.cmdline).toBe(`${process.execPath} ${host.entry}`);
      expect(report.fd3).toBe('closed');
      expect(report.preloaded).toBe(true);
      // The next spare is spawned once this one has taken the entry: one waits again.
      const next = await waitFor(() => launcher.waiting, 'the next spare', 20000);
      expect(next.pid).not.toBe(app.pid);
      expect(await next.preloaded).toBe(true);
      app.signal('SIGTERM');
      expect(await app.exited).toEqual({ code: null, signal: 'SIGTERM' });
      await launcher.stop();
    });
  });

  describe('when the spare is handed the entry while it is still preloading', () => {
    it('spawns the next spare only once the first has become the app: never two spares at once', async () => {
      const host = hostProject();
      const launcher = launcherFor(host);
      launcher.prepare();
      const spare = launcher.waiting!;
      // Once node runs the spare's program (not setpriv before its exec), long before the framework has loaded.
      const runsSpareProgram = () => {
        const cmdline = isAlive(spare.pid) ? readFileSync(`/proc/${spare.pid}/cmdline`, 'utf8') : '';
        return cmdline.startsWith(process.execPath) && cmdline.includes(spareProgramPath(host.dir));
      };
      await waitFor(runsSpareProgram, 'the spare to run');

      const app = launcher.launch(host.entry);

      expect(app.warm).toBe(true);
      const next = await waitFor(() => launcher.waiting, 'the next spare', 20000);
      // Read at once: the handed spare must already show the app's command line, not the spare's.
      const handed = readFileSync(`/proc/${app.pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
      expect(handed).toBe(`${process.execPath} ${host.entry}`);
      const report = await waitFor(() => existsSync(host.report) && JSON.parse(readFileSync(host.report, 'utf8')), 'the entry to run', 20000);
      expect(report.argv).toEqual([process.execPath, host.entry]);
      expect(next.pid).not.toBe(app.pid);
      app.signal('SIGTERM');
      await app.exited;
      await launcher.stop();
    });
  });

  describe('when the app is busy starting', () => {
    it('spawns the next spare only once the app has settled, so the spare takes no core from its start', async () => {
      const host = hostProject();
      const busy = join(host.dir, 'dist', 'busy.js');
      const idle = join(host.dir, 'idle-now');
      // Burns CPU in slices, its event loop turning between them (as an app's start does), until the test says otherwise, then idles.
      writeFileSync(
        busy,
        `import { existsSync } from 'node:fs';\n` +
          `const burn = () => { const end = Date.now() + 20; while (Date.now() < end) {} if (!existsSync(${JSON.stringify(idle)})) setImmediate(burn); };\n` +
          `burn();\nsetInterval(() => {}, 1000);\n`,
      );
      const launcher = launcherFor(host);
      launcher.prepare();
      await launcher.waiting!.preloaded;

      const app = launcher.launch(busy);

      // Busy for a third of a second of CPU as the app (however loaded the machine): no spare meanwhile.
      const cpuSeconds = () => {
        const fields = readFileSync(`/proc/${app.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      };
      const cpuBefore = cpuSeconds();
      await waitFor(() => readFileSync(`/proc/${app.pid}/cmdline`, 'utf8').includes(busy), 'the spare to become the app', 20000);
      await waitFor(() => cpuSeconds() - cpuBefore >= 0.3, 'the app to burn CPU', 20000);
      expect(launcher.waiting).toBeNull();
      writeFileSync(idle, '');
      const next = await waitFor(() => launcher.waiting, 'the next spare once the app idles', 20000);
      expect(next.pid).not.toBe(app.pid);
      app.signal('SIGTERM');
      await app.exited;
      await launcher.stop();
    });
  });

  describe('when the session stops with a spare waiting', () => {
    it('the spare exits unused and leaves nothing running', async () => {
      const host = hostProject();
      const launcher = launcherFor(host);
      launcher.prepare();
      const spare = launcher.waiting!;
      await spare.preloaded;

      await launcher.stop();

      await waitFor(() => !isAlive(spare.pid), 'the spare to exit', 10000);
      expect(existsSync(host.report)).toBe(false);
      expect(launcher.waiting).toBeNull();
    });
  });

  describe('when the spare died before it was needed', () => {
    it('starts the app cold instead', async () => {
      const host = hostProject();
      const launcher = launcherFor(host);
      launcher.prepare();
      const spare = launcher.waiting!;
      process.kill(spare.pid, 'SIGKILL');
      await waitFor(() => !isAlive(spare.pid), 'the spare to die', 10000);
      // Seen by the launcher once its child handle has had the exit.
      await waitFor(async () => !(await spare.preloaded), 'the launcher to see the spare gone', 10000);

      const app = launcher.launch(host.entry);

      expect(app.warm).toBe(false);
      const report = await waitFor(() => existsSync(host.report) && JSON.parse(readFileSync(host.report, 'utf8')), 'the entry to run', 20000);
      expect(report.argv).toEqual([process.execPath, host.entry]);
      expect(report.preloaded).toBe(false);
      app.signal('SIGTERM');
      await app.exited;
      await launcher.stop();
    });
  });

  describe('when the host is itself a package the list names', () => {
    it("never preloads the host's own package (its code would run before the previous app exited)", () => {
      const host = hostProject('procguard');
      const launcher = launcherFor(host);
      launcher.prepare();
      const program = readFileSync(spareProgramPath(host.dir), 'utf8');
      launcher.kill();
      expect(program).toContain('"@nestjs/core"');
      expect(program).not.toContain('"procguard"');
    });
  });
});
