import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import type { AppEnv } from '../config/env.validation.js';
import { ApplicationLifecycleService } from '../lifecycle/application/application-lifecycle.service.js';
import { SHUTDOWN_ORDER } from '../lifecycle/application/shutdown-sequence.js';
import { HttpDrainer } from '../lifecycle/infrastructure/http-drainer.js';
import { HostAllowList } from '../lifecycle/presentation/host-allow-list.js';
import { LIVENESS_PATH } from '../lifecycle/presentation/liveness.route.js';
import { DATABASE, type IDatabase } from '../persistence/application/database.port.js';
import { loadHttpPlatform } from './http-platform.js';
import type { HeldInstanceLock } from './instance-guard.js';

/** The port is taken by a program that is not a procguard for this data directory. */
export class PortInUseError extends Error {
  readonly code = 'PORT_IN_USE';
  constructor(host: string, port: number) {
    super(
      `Port ${port} on ${host} is already in use by another program. ` +
        `Stop it (see: ss -ltnp 'sport = :${port}') or set PORT to a free port.`,
    );
    this.name = 'PortInUseError';
  }
}

export interface RunningServer {
  readonly app: INestApplication;
  readonly lifecycle: ApplicationLifecycleService;
}

/** Time kept back from the HTTP drain for the steps after it (database, lock). */
const RESERVED_FOR_LATER_STEPS_MS = 250;

/**
 * Builds the Nest app (which opens the database), registers the shutdown
 * order, and listens. Called only with the instance lock held. Starts no
 * agent: the caller runs `lifecycle.startup()` once it can also shut down.
 * @throws PortInUseError; the caller then shuts down what was opened.
 * @throws HttpPlatformMissingError before anything is opened.
 */
export async function createServer(
  env: AppEnv,
  held: HeldInstanceLock,
  imports: ReadonlyArray<Type | DynamicModule> = [],
): Promise<RunningServer> {
  const platform = await loadHttpPlatform(env.HTTP_PLATFORM);
  const app = await NestFactory.create(
    AppModule.register({ lockManager: held.lockManager, lock: held.lock }, imports),
    platform.createAdapter(),
    { abortOnError: false },
  );
  app.setGlobalPrefix('api');
  platform.registerHostCheck(app, HostAllowList.fromSettings(env));
  platform.registerLivenessRoute(app, LIVENESS_PATH);
  const lifecycle = app.get(ApplicationLifecycleService);
  const drainer = new HttpDrainer(app.getHttpServer());
  lifecycle.registerShutdownStep({
    name: 'drain HTTP connections',
    order: SHUTDOWN_ORDER.drainHttp,
    run: async () => {
      const budget = Math.max(env.SHUTDOWN_TIMEOUT_MS / 2, env.SHUTDOWN_TIMEOUT_MS - RESERVED_FOR_LATER_STEPS_MS);
      const { forced } = await drainer.drain(budget);
      // Reported as a failed step, so the exit code says the shutdown was forced.
      if (forced > 0) throw new Error(`${forced} connection(s) still busy at the deadline were cut`);
    },
  });
  lifecycle.registerShutdownStep({ name: 'close Nest application', order: SHUTDOWN_ORDER.closeApplication, run: () => app.close() });
  lifecycle.registerShutdownStep({
    name: 'close database',
    order: SHUTDOWN_ORDER.closeDatabase,
    run: () => app.get<IDatabase>(DATABASE).close(),
  });
  const server = { app, lifecycle };
  try {
    await app.listen(env.PORT, env.HOST);
  } catch (error) {
    await lifecycle.shutdown('listen failed', env.SHUTDOWN_TIMEOUT_MS);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(env.HOST, env.PORT);
    throw error;
  }
  return server;
}
