import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { Test, type TestingModule } from '@nestjs/testing';
import { acquireInstanceLock, type HeldInstanceLock } from '../bootstrap/instance-guard.js';
import { validateEnv } from '../config/env.validation.js';
import { SETTINGS, type ProcguardSettings } from '../config/settings.js';
import { ProcguardHealthIndicators } from '../lifecycle/presentation/procguard-health.indicators.js';
import { lastDeclaration } from './module-declaration.js';
import { ProcguardNotBootstrappedError, setProcguardContext } from './procguard-context.js';
import { ProcguardLifecycle } from './procguard-lifecycle.service.js';
import { ProcguardOptionsError } from './procguard-module.options.js';
import { ProcguardSupervisor } from './procguard-supervisor.service.js';
import { ProcguardModule } from './procguard.module.js';

const LEAN = { supervisor: false, history: false, database: false } as const;
const TOKEN = 'a-token-of-24-characters';

describe('ProcguardModule', () => {
  let dataDir: string;
  let held: HeldInstanceLock;
  let env: NodeJS.ProcessEnv;
  let moduleRef: TestingModule | null = null;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'procguard-module-'));
    writeFileSync(join(dataDir, 'none.yaml'), 'processes: []\n');
    env = { DATA_DIR: dataDir, PROCESSES_CONFIG: join(dataDir, 'none.yaml') };
    held = await acquireInstanceLock(validateEnv(env), 'server', () => undefined, () => undefined, undefined);
    setProcguardContext({ lockManager: held.lockManager, lock: held.lock, env, overrides: [], specs: null });
  });

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = null;
    setProcguardContext(null);
    await held.lockManager.releaseLock();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const compile = async (imports: Parameters<typeof Test.createTestingModule>[0]['imports']) => {
    moduleRef = await Test.createTestingModule({ imports }).compile();
    return moduleRef;
  };
  const controllersOf = (ref: TestingModule) =>
    [...ref.get(ProcguardLifecycle) && [], ...(ref as unknown as { container: { getModules(): Map<string, { controllers: Map<unknown, unknown> }> } }).container.getModules().values()]
      .flatMap((m) => [...m.controllers.keys()])
      .map((c) => Reflect.getMetadata(PATH_METADATA, c as object) as string);

  describe('forRoot with no options', () => {
    it('reads every setting from the environment, with the documented defaults', async () => {
      const ref = await compile([ProcguardModule.forRoot(LEAN)]);
      const settings = ref.get<ProcguardSettings>(SETTINGS);

      expect(settings.DATA_DIR).toBe(dataDir);
      expect(settings.EVENT_RETENTION).toBe(1000);
      expect(settings.API_TOKEN).toBeNull();
      expect(settings.DATABASE_PATH).toBe(join(dataDir, 'app.db'));
    });

    it('turns every feature on: health, processes, events, history and dashboard routes', async () => {
      const ref = await compile([ProcguardModule.forRoot()]);

      expect(controllersOf(ref).sort()).toEqual(['events', 'health', 'processes', 'processes', 'ui']); // history lives under /processes/:name/history
      expect(ref.get(ProcguardSupervisor)).toBeInstanceOf(ProcguardSupervisor);
      expect(ref.get(ProcguardHealthIndicators)).toBeInstanceOf(ProcguardHealthIndicators);
    });
  });

  describe('forRoot with options', () => {
    it('lets an option in code win over its environment variable', async () => {
      env.API_TOKEN = 'x'.repeat(40);
      const ref = await compile([ProcguardModule.forRoot({ ...LEAN, apiToken: TOKEN, eventRetention: 50, readyRequires: [] })]);

      expect(ref.get<ProcguardSettings>(SETTINGS)).toMatchObject({ API_TOKEN: TOKEN, EVENT_RETENTION: 50 });
    });

    it('names the option, not the variable, when its value is wrong', async () => {
      await expect(compile([ProcguardModule.forRoot({ ...LEAN, eventRetention: 5, apiToken: 'short' })])).rejects.toThrow(
        /Invalid settings:\n {2}- ProcguardModule option apiToken must be at least 16 characters[\s\S]*ProcguardModule option eventRetention="5" must be a whole number from 10 to 1000000/,
      );
    });

    it('still names the variable for a wrong value that came from the environment', async () => {
      env.SSE_MAX_STREAMS = 'many';

      await expect(compile([ProcguardModule.forRoot(LEAN)])).rejects.toThrow('SSE_MAX_STREAMS="many" must be a whole number');
    });

    it('refuses an unknown option by name where the host wrote it', () => {
      expect(() => ProcguardModule.forRoot({ apiTokn: TOKEN } as never)).toThrow(ProcguardOptionsError);
      expect(() => ProcguardModule.forRoot({ apiTokn: TOKEN } as never)).toThrow(/apiTokn is not an option \(known: processesConfig, processesEnv, apiToken/);
    });

    it('records the declaration, so bootstrap() can check the settings before Nest starts', () => {
      ProcguardModule.forRoot({ ...LEAN, eventRetention: 20 });

      expect(lastDeclaration()).toEqual({
        options: { eventRetention: 20 },
        features: { health: true, supervisor: false, history: false, database: false, dashboard: false },
      });
    });
  });

  describe('features', () => {
    it("with health: 'indicators' adds the indicators and no route", async () => {
      const ref = await compile([ProcguardModule.forRoot({ ...LEAN, health: 'indicators' })]);

      expect(controllersOf(ref)).toEqual([]);
      expect(ref.get(ProcguardHealthIndicators).lifecycle()).toEqual({ lifecycle: { status: 'down', state: 'starting' } });
    });

    it("with supervisor: 'service' gives the manager and no /processes route", async () => {
      const ref = await compile([ProcguardModule.forRoot({ supervisor: 'service', history: false })]);

      expect(controllersOf(ref)).toEqual(['health']);
      expect(ref.get(ProcguardSupervisor).list()).toEqual([]);
    });

    it('with health: false adds neither routes nor indicators', async () => {
      const ref = await compile([ProcguardModule.forRoot({ ...LEAN, health: false })]);

      expect(controllersOf(ref)).toEqual([]);
      expect(() => ref.get(ProcguardHealthIndicators)).toThrow();
      expect(ref.get(ProcguardLifecycle).state).toBe('starting');
    });

    it('with dashboard: false leaves the other routes', async () => {
      const ref = await compile([ProcguardModule.forRoot({ dashboard: false })]);

      expect(controllersOf(ref).sort()).toEqual(['events', 'health', 'processes', 'processes']);
    });

    it("with supervisor: 'service' or history: false turns the dashboard off (it needs their routes)", () => {
      ProcguardModule.forRoot({ supervisor: 'service', history: false });
      expect(lastDeclaration()?.features.dashboard).toBe(false);
      ProcguardModule.forRoot({ history: false });
      expect(lastDeclaration()?.features.dashboard).toBe(false);
    });

    it('with supervisor: false turns the history off too (it records the agents\' events)', async () => {
      const ref = await compile([ProcguardModule.forRoot({ supervisor: false })]);

      expect(controllersOf(ref)).toEqual(['health']);
      expect(lastDeclaration()?.features).toEqual({ health: true, supervisor: false, history: false, database: true, dashboard: false });
    });

    it.each([
      [{ supervisor: false, history: true }, /feature history needs supervisor/],
      [{ database: false }, /feature supervisor needs database[\s\S]*feature history needs database/],
      [{ database: false, supervisor: false, history: true }, /feature history needs supervisor[\s\S]*feature history needs database/],
      [{ health: 'yes' }, /feature health="yes" must be one of true, false, "indicators"/],
      [{ supervisor: 'service', dashboard: true }, /feature dashboard needs supervisor: true and history: true/],
      [{ history: false, dashboard: true }, /feature dashboard needs supervisor: true and history: true/],
    ])('refuses %j, naming the feature', (features, message) => {
      expect(() => ProcguardModule.forRoot(features as never)).toThrow(message);
    });
  });

  describe('forRootAsync', () => {
    it("takes its options from a factory that injects the host's ConfigService", async () => {
      const ref = await compile([
        ProcguardModule.forRootAsync({
          ...LEAN,
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ procguard: { token: TOKEN, retention: 77 } })] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            apiToken: config.getOrThrow<string>('procguard.token'),
            eventRetention: config.getOrThrow<number>('procguard.retention'),
          }),
        }),
      ]);

      expect(ref.get<ProcguardSettings>(SETTINGS)).toMatchObject({ API_TOKEN: TOKEN, EVENT_RETENTION: 77 });
      expect(lastDeclaration()?.options).toBeNull();
    });

    it('keeps its features static: they decide which routes exist', async () => {
      const ref = await compile([ProcguardModule.forRootAsync({ ...LEAN, health: 'indicators', useFactory: () => ({}) })]);

      expect(controllersOf(ref)).toEqual([]);
    });

    it('refuses a factory result with an unknown option, by name', async () => {
      await expect(compile([ProcguardModule.forRootAsync({ ...LEAN, useFactory: () => ({ retention: 5 }) as never })])).rejects.toThrow(
        'ProcguardModule option retention is not an option',
      );
    });
  });

  describe('for the host', () => {
    it('injects ProcguardLifecycle into its providers, and runs its shutdown step at the given order', async () => {
      @Injectable()
      class HostService {
        constructor(readonly lifecycle: ProcguardLifecycle) {}
      }
      @Module({ providers: [HostService] })
      class HostFeature {}
      const ref = await compile([ProcguardModule.forRoot(LEAN), HostFeature]);
      const ran: string[] = [];
      ref.get(HostService).lifecycle.addShutdownStep({ name: 'flush host queue', run: () => void ran.push('host') });

      expect(() => ref.get(HostService).lifecycle.addShutdownStep({ name: '', run: () => undefined })).toThrow('name must be a non-empty string');
      expect(ref.get(HostService).lifecycle.metadata().instanceId).toBe(held.lock.instanceId);
    });
  });

  describe('without bootstrap()', () => {
    it('says how to start the app instead of running without the lock', async () => {
      setProcguardContext(null);

      await expect(compile([ProcguardModule.forRoot(LEAN)])).rejects.toThrow(ProcguardNotBootstrappedError);
      await expect(compile([ProcguardModule.forRoot(LEAN)])).rejects.toThrow("bootstrap({ module: () => import('./app.module.js') })");
    });
  });
});
