import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { join } from 'node:path';
import request from 'supertest';
import { AppModule } from '../src/app.module.js';
import { loadHttpPlatform } from '../src/bootstrap/http-platform.js';
import { acquireInstanceLock, type HeldInstanceLock } from '../src/bootstrap/instance-guard.js';
import { validateEnv } from '../src/config/env.validation.js';
import { HealthSnapshot } from '../src/lifecycle/presentation/health-snapshot.js';
import { LIVENESS_PATH } from '../src/lifecycle/presentation/liveness.route.js';
import { ApplicationLifecycleService } from '../src/lifecycle/application/application-lifecycle.service.js';
import { DATABASE, type IDatabase } from '../src/persistence/application/database.port.js';
import { setProcguardContext } from '../src/module/procguard-context.js';
import { DATABASE_PING_INTERVAL_MS } from '../src/lifecycle/presentation/health-snapshot.js';
import { cleanup, FIXTURES, NO_PROCESSES, spawnProcess, tempDir, waitExit, waitFor } from './support/harness.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('/api/health (supertest, in-process)', () => {
  let app: INestApplication;
  let held: HeldInstanceLock;
  let lifecycle: ApplicationLifecycleService;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    const dataDir = tempDir();
    Object.assign(process.env, {
      DATA_DIR: dataDir,
      PORT: '3999',
      HOST: '127.0.0.1',
      API_SECRET_FOR_TEST: 'hunter2',
      PROCESSES_CONFIG: NO_PROCESSES,
    });
    const env = validateEnv(process.env);
    held = await acquireInstanceLock(env, 'server', () => undefined, () => undefined, undefined);
    setProcguardContext({ lockManager: held.lockManager, lock: held.lock, env: process.env, overrides: [], specs: null });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    // HTTP_PLATFORM picks the platform, as in the server (the integration-express project sets it).
    const platform = await loadHttpPlatform(process.env.HTTP_PLATFORM === 'express' ? 'express' : 'fastify');
    app = moduleRef.createNestApplication(platform.createAdapter(), { logger: false });
    app.setGlobalPrefix('api');
    platform.registerLivenessRoute(app, LIVENESS_PATH);
    platform.registerHealthRoutes(app, '/api/health', app.get(HealthSnapshot));
    // Listening (port 0) makes every platform ready to serve; supertest then uses that address.
    await app.listen(0, '127.0.0.1');
    lifecycle = app.get(ApplicationLifecycleService);
    await lifecycle.startup();
  });

  afterEach(async () => {
    await app.close();
    app.get<IDatabase>(DATABASE).close();
    await held.lockManager.releaseLock();
    process.env = { ...savedEnv };
    setProcguardContext(null);
    await cleanup();
  });

  describe('when the instance is running', () => {
    it('answers 200 with terminus results and instance metadata', async () => {
      const res = await request(app.getHttpServer()).get('/api/health').expect(200);

      expect(res.body).toEqual({
        status: 'ok',
        info: {
          lifecycle: { status: 'up', state: 'running' },
          database: { status: 'up', schemaVersion: 2, journalMode: 'wal' },
          agents: { status: 'up', active: 0, total: 0, processes: {} },
          storage: { status: 'up' },
        },
        error: {},
        details: {
          lifecycle: { status: 'up', state: 'running' },
          database: { status: 'up', schemaVersion: 2, journalMode: 'wal' },
          agents: { status: 'up', active: 0, total: 0, processes: {} },
          storage: { status: 'up' },
        },
        pid: process.pid,
        instanceId: held.lock.instanceId,
        state: 'running',
        startedAt: expect.stringMatching(ISO),
        uptime: expect.any(Number),
        memoryUsage: {
          heapUsed: expect.any(Number),
          heapTotal: expect.any(Number),
          external: expect.any(Number),
          rss: expect.any(Number),
        },
        activeAgents: 0,
        totalAgents: 0,
        databaseStatus: 'up',
        timestamp: expect.stringMatching(ISO),
      });
      expect(res.headers['cache-control']).toContain('no-store');
    });

    it('shows nothing secret: no environment, no command line', async () => {
      const res = await request(app.getHttpServer()).get('/api/health').expect(200);

      const text = JSON.stringify(res.body);
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain(process.env.DATA_DIR!);
      expect(text).not.toContain(process.argv[1]);
    });

    it('answers live and ready', async () => {
      const live = await request(app.getHttpServer()).get('/api/health/live').expect(200, { status: 'ok' });
      expect(live.headers['cache-control']).toBe('no-store');
      const ready = await request(app.getHttpServer()).get('/api/health/ready').expect(200);
      expect(ready.body.status).toBe('ok');
    });

    it.each(['/api/health/nope', '/nowhere'])('answers the unknown route %s with a JSON 404, not a 500', async (path) => {
      const res = await request(app.getHttpServer()).get(path).expect(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: `Cannot GET ${path}` });
    });
  });

  describe('when shutdown has begun', () => {
    it('answers /api/health 503 at once, though the answer before was 200 and nothing was pinged since', async () => {
      await request(app.getHttpServer()).get('/api/health').expect(200);
      let releaseStep!: () => void;
      lifecycle.registerShutdownStep({ name: 'held open by the test', order: 1, run: () => new Promise<void>((r) => (releaseStep = r)) });
      const shutdown = lifecycle.shutdown('test', 5000);

      const res = await request(app.getHttpServer()).get('/api/health').expect(503);

      expect(res.body).toMatchObject({ status: 'error', state: 'stopping', error: { lifecycle: { status: 'down', state: 'stopping' } } });
      releaseStep();
      await shutdown;
    });

    it('answers readiness with 503 at once while liveness stays 200', async () => {
      let releaseStep!: () => void;
      lifecycle.registerShutdownStep({ name: 'held open by the test', order: 1, run: () => new Promise<void>((r) => (releaseStep = r)) });
      const shutdown = lifecycle.shutdown('test', 5000);

      const ready = await request(app.getHttpServer()).get('/api/health/ready').expect(503);
      await request(app.getHttpServer()).get('/api/health/live').expect(200);

      expect(ready.body.details.lifecycle).toEqual({ status: 'down', state: 'stopping' });
      releaseStep();
      await shutdown;
    });
  });

  describe('when the database is unusable', () => {
    it('answers 503 with databaseStatus down and still says who it is', async () => {
      app.get<IDatabase>(DATABASE).close();

      const res = await request(app.getHttpServer()).get('/api/health').expect(503);

      expect(res.body).toMatchObject({
        status: 'error',
        error: { database: { status: 'down', message: 'closed' } },
        databaseStatus: 'down',
        pid: process.pid,
        instanceId: held.lock.instanceId,
      });
      await request(app.getHttpServer()).get('/api/health/ready').expect(503);
    });
  });

  describe('when another connection holds the database write lock', () => {
    it(`answers 503 within the ping interval (${DATABASE_PING_INTERVAL_MS} ms), and 200 again once it is released`, async () => {
      await request(app.getHttpServer()).get('/api/health').expect(200);
      const holder = spawnProcess(process.execPath, [join(FIXTURES, 'sqlite-write-lock.mjs'), validateEnv(process.env).DATABASE_PATH], { stdin: 'pipe' });
      await waitFor(() => holder.output().includes('locked'), 'the other connection to take the write lock');

      const down = await waitFor(
        async () => {
          const res = await request(app.getHttpServer()).get('/api/health');
          return res.status === 503 ? res : null;
        },
        'health to say the database is down',
        // Bounded generously for a loaded machine; the design bound is one interval plus the ping's wait.
        DATABASE_PING_INTERVAL_MS * 10,
      );
      expect(down.body).toMatchObject({ status: 'error', error: { database: { status: 'down', message: 'database is locked' } }, databaseStatus: 'down' });
      await request(app.getHttpServer()).get('/api/health/ready').expect(503);

      holder.child.stdin!.end();
      await waitExit(holder);
      await waitFor(async () => (await request(app.getHttpServer()).get('/api/health')).status === 200, 'health to be up again', DATABASE_PING_INTERVAL_MS * 10);
    });
  });

  it('keeps the database file under DATA_DIR', () => {
    expect(validateEnv(process.env).DATABASE_PATH).toBe(join(process.env.DATA_DIR!, 'app.db'));
  });
});
