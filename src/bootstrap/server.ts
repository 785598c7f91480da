import { type DynamicModule, type INestApplication, Logger, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ProcguardSettings } from '../config/settings.js';
import { ApplicationLifecycleService } from '../lifecycle/application/application-lifecycle.service.js';
import { SHUTDOWN_ORDER } from '../lifecycle/application/shutdown-sequence.js';
import { HttpDrainer } from '../lifecycle/infrastructure/http-drainer.js';
import { HealthSnapshot } from '../lifecycle/presentation/health-snapshot.js';
import { HostAllowList } from '../lifecycle/presentation/host-allow-list.js';
import { HTTP_REQUEST_OBSERVER } from '../metrics/application/metrics.tokens.js';
import type { IHttpRequestObserver } from '../metrics/application/ports/http-request-observer.port.js';
import { lastDeclaration } from '../module/module-declaration.js';
import { ProcguardModule } from '../module/procguard.module.js';
import { DATABASE, type IDatabase } from '../persistence/application/database.port.js';
import type { HttpPlatformName } from './bootstrap-options.js';
import { loadHttpPlatform } from './http-platform.js';
import { PinoNestLogger } from './logging/pino-nest-logger.js';
import { openHealthFrontDoor } from './platforms/health-front-door.js';
import { processLog } from './logging/process-log.js';

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

export interface ServerOptions {
  readonly rootModule: Type | DynamicModule;
  /** Whether the host imported ProcguardModule itself; if not, the lifecycle core is added. */
  readonly declared: boolean;
  readonly platform: HttpPlatformName;
  readonly globalPrefix: string;
  readonly configure?: (app: INestApplication) => void | Promise<void>;
  readonly settings: ProcguardSettings;
}

export interface RunningServer {
  readonly app: INestApplication;
  readonly lifecycle: ApplicationLifecycleService;
  /** Where health answers, or null when the health routes are off. */
  readonly healthPath: string | null;
}

/** Time kept back from the HTTP drain for the steps after it (database, lock). */
const RESERVED_FOR_LATER_STEPS_MS = 250;

/** The root of the app: the host's module, plus procguard's core if the host left it out. */
class ProcguardHostRoot {}

/**
 * Builds the Nest app (which opens the database), registers the shutdown
 * order, and listens. Called only with the instance lock held. Starts no
 * agent: the caller runs `lifecycle.startup()` once it can also shut down.
 * @throws PortInUseError; the caller then shuts down what was opened.
 * @throws HttpPlatformMissingError before anything is opened.
 */
export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const { settings } = options;
  const platform = await loadHttpPlatform(options.platform);
  const imports = options.declared
    ? [options.rootModule]
    : [options.rootModule, ProcguardModule.forRoot({ health: false, supervisor: false, history: false, database: false, metrics: false })];
  Module({ imports })(ProcguardHostRoot);
  // Logs are held back until the app exists: a settings mistake found inside Nest
  // (forRootAsync) then reaches the user as bootstrap's one clear message, not also as
  // Nest's dump of the error with its stack.
  // Nest's lines (and every `new Logger(...)`) through procguard's one logger.
  const logger = new PinoNestLogger(processLog);
  Logger.overrideLogger(logger);
  const app = await NestFactory.create(ProcguardHostRoot, platform.createAdapter(), { abortOnError: false, bufferLogs: true, autoFlushLogs: false, logger });
  app.flushLogs();
  const prefix = options.globalPrefix.replace(/^\/+|\/+$/g, '');
  if (prefix) app.setGlobalPrefix(prefix);
  const healthRoutes = lastDeclaration()?.features.health === true;
  const healthPath = healthRoutes ? `${prefix ? `/${prefix}` : ''}/health` : null;
  const allowList = HostAllowList.fromSettings(settings);
  platform.registerHostCheck(app, allowList);
  const requests = optional<IHttpRequestObserver>(app, HTTP_REQUEST_OBSERVER);
  if (requests) platform.registerRequestObserver(app, requests);
  if (healthPath) {
    const snapshot = app.get(HealthSnapshot);
    platform.registerLivenessRoute(app, `${healthPath}/live`);
    platform.registerHealthRoutes(app, healthPath, snapshot);
    // GET/HEAD of them answered ahead of the platform's router (before the drainer's listener is
    // added below); if the server has other listeners already, the platform routes above answer.
    openHealthFrontDoor(app.getHttpServer(), { path: healthPath, snapshot, allowList, observer: requests });
  }
  const lifecycle = app.get(ApplicationLifecycleService);
  const drainer = new HttpDrainer(app.getHttpServer());
  lifecycle.registerShutdownStep({
    name: 'drain HTTP connections',
    order: SHUTDOWN_ORDER.drainHttp,
    run: async () => {
      const budget = Math.max(settings.SHUTDOWN_TIMEOUT_MS / 2, settings.SHUTDOWN_TIMEOUT_MS - RESERVED_FOR_LATER_STEPS_MS);
      const { forced } = await drainer.drain(budget);
      // Reported as a failed step, so the exit code says the shutdown was forced.
      if (forced > 0) throw new Error(`${forced} connection(s) still busy at the deadline were cut`);
    },
  });
  lifecycle.registerShutdownStep({ name: 'close Nest application', order: SHUTDOWN_ORDER.closeApplication, run: () => app.close() });
  const database = optional<IDatabase>(app, DATABASE);
  if (database) lifecycle.registerShutdownStep({ name: 'close database', order: SHUTDOWN_ORDER.closeDatabase, run: () => database.close() });
  const server = { app, lifecycle, healthPath };
  try {
    await withoutForeignSignalHandlers(() => options.configure?.(app));
    await app.listen(settings.PORT, settings.HOST);
  } catch (error) {
    await lifecycle.shutdown('listen failed', settings.SHUTDOWN_TIMEOUT_MS);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(settings.HOST, settings.PORT);
    throw error;
  }
  return server;
}

const OWNED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Runs the host's `configure` and takes back any signal listener it added (Nest's
 * `enableShutdownHooks` adds one that closes the app and re-sends the signal, which would
 * cut the drain short and count as a second signal): bootstrap owns the signals.
 */
async function withoutForeignSignalHandlers(run: () => unknown): Promise<void> {
  const before = new Map(OWNED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  await run();
  for (const signal of OWNED_SIGNALS) {
    const added = process.listeners(signal).filter((listener) => !before.get(signal)!.has(listener));
    for (const listener of added) process.removeListener(signal, listener);
    if (added.length > 0) {
      processLog.write(
        'warn',
        `configure() added a ${signal} listener (enableShutdownHooks?); removed: procguard owns the signals and runs the shutdown (ProcguardLifecycle.addShutdownStep for your own steps)`,
        'Bootstrap',
      );
    }
  }
}

function optional<T>(app: INestApplication, token: symbol): T | null {
  try {
    return app.get<T>(token, { strict: false });
  } catch {
    return null;
  }
}
