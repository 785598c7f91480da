import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, FIXTURES, freePort, getJson, readPidFile, startInstance, tempDir, waitExit, waitFor } from './support/harness.js';

/** Hosts of the built package that use the public API in ways the server does not. */
afterEach(cleanup);

const HOSTS = join(FIXTURES, 'host-variants.mjs');

async function startHost(variant: string) {
  const dataDir = tempDir();
  const port = await freePort();
  const proc = startInstance({ dataDir, port, script: HOSTS, env: { HOST_VARIANT: variant } });
  return { dataDir, port, proc };
}

const lockGone = (dataDir: string) => !existsSync(join(dataDir, 'backend.pid')) && !existsSync(join(dataDir, 'backend.pid.lock'));

describe('a host whose settings are wrong', () => {
  it('with forRoot: exit 2 naming each option, before Nest is created, lock released', async () => {
    const { dataDir, proc } = await startHost('bad-option-value');

    expect(await waitExit(proc)).toEqual({ code: 2, signal: null });
    expect(proc.output()).toContain('ProcguardModule option eventRetention="5" must be a whole number from 10 to 1000000');
    expect(proc.output()).toContain('ProcguardModule option apiToken must be at least 16 characters');
    expect(proc.output()).not.toContain('[Nest]');
    expect(proc.output()).not.toMatch(/\n\s+at /); // no stack trace
    expect(lockGone(dataDir)).toBe(true);
  });

  it('with forRootAsync: exit 2 naming the option once the factory has run, no stack trace, lock released', async () => {
    const { dataDir, proc } = await startHost('bad-async-option');

    expect(await waitExit(proc)).toEqual({ code: 2, signal: null });
    expect(proc.output()).toContain('ProcguardModule option sseMaxStreams="0" must be a whole number from 1 to 10000');
    expect(proc.output()).not.toMatch(/\n\s+at /); // Nest's own dump of the error (with its stack) is held back
    expect(lockGone(dataDir)).toBe(true);
  });

  it('whose loader finds no AppModule: exit 2 saying what it exports', async () => {
    const { dataDir, proc } = await startHost('no-app-module');

    expect(await waitExit(proc)).toEqual({ code: 2, signal: null });
    expect(proc.output()).toContain('bootstrap option module: the loaded module has no export AppModule (it exports: MainModule); set exportName');
    expect(lockGone(dataDir)).toBe(true);
  });
});

describe('a host that does not import ProcguardModule', () => {
  it('still holds the lock, serves its routes, has no procguard routes, and stops with exit 0', async () => {
    const { dataDir, port, proc } = await startHost('no-module');
    await waitFor(async () => (await getJson(port, '/api/hello')).status === 200, 'the host to answer');

    expect(readPidFile(dataDir).pid).toBe(proc.pid);
    expect((await getJson(port, '/api/health')).status).toBe(404);
    expect((await getJson(port, '/api/health/live')).status).toBe(404);
    process.kill(proc.pid, 'SIGTERM');
    expect(await waitExit(proc)).toEqual({ code: 0, signal: null });
    expect(lockGone(dataDir)).toBe(true);
  });
});

describe('a host with globalPrefix ""', () => {
  it('has its routes and procguard health, liveness included, at the root', async () => {
    const { port } = await startHost('no-prefix');
    await waitFor(async () => (await getJson(port, '/health/ready')).status === 200, 'readiness at /health/ready');

    expect((await getJson(port, '/hello')).body).toEqual({ hello: 'host' });
    expect((await getJson(port, '/health/live')).body).toEqual({ status: 'ok' });
    expect((await getJson(port, '/health')).body.info.lifecycle).toEqual({ status: 'up', state: 'running' });
    expect((await getJson(port, '/api/health')).status).toBe(404);
  });
});

describe("a host's own shutdown steps", () => {
  it('run in their order; one that fails makes the exit code 1 and the next one still runs (enableShutdownHooks taken back)', async () => {
    const { dataDir, port, proc } = await startHost('host-steps');
    await waitFor(async () => (await getJson(port, '/api/health/ready')).status === 200, 'ready');

    process.kill(proc.pid, 'SIGTERM');

    expect(await waitExit(proc)).toEqual({ code: 1, signal: null });
    // Nest logs errors to stderr and the rest to stdout: order is compared within one stream.
    expect(proc.output()).toMatch(/host step that fails ran[\s\S]*host step after it ran/);
    expect(proc.output()).toMatch(/"drain HTTP connections" done[\s\S]*"host step after it" done[\s\S]*"close database" done[\s\S]*"release instance lock" done/);
    expect(proc.output()).toContain('"host step that fails" failed: queue unreachable');
    // configure() called enableShutdownHooks: its listener was removed, so one stop, not a second signal.
    expect(proc.output()).toContain('configure() added a SIGTERM listener (enableShutdownHooks?); removed');
    expect(proc.output()).not.toContain('Forcing exit');
    expect(lockGone(dataDir)).toBe(true);
  });
});
