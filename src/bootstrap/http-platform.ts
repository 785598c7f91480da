import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { HttpPlatformName } from './bootstrap-options.js';
import type { HealthSnapshot } from '../lifecycle/presentation/health-snapshot.js';
import type { HostAllowList } from '../lifecycle/presentation/host-allow-list.js';
import type { IHttpRequestObserver } from '../metrics/application/ports/http-request-observer.port.js';

/**
 * What procguard's server needs of an HTTP platform beyond Nest's own adapter:
 * the two things it serves outside Nest's pipeline, registered before any Nest route.
 */
export interface HttpPlatform {
  readonly name: HttpPlatformName;
  /** A fresh adapter for `NestFactory.create`. */
  createAdapter(): AbstractHttpAdapter;
  /**
   * Refuses, before routing and body parsing, every request whose `Host` is not allowed
   * (liveness, SSE and 404s included). Call right after `NestFactory.create`, before anything else is registered.
   */
  registerHostCheck(app: INestApplication, allowList: HostAllowList): void;
  /** Serves `GET path` straight on the platform, outside Nest's guards, pipes and interceptors. */
  registerLivenessRoute(app: INestApplication, path: string): void;
  /**
   * Tells `observer` every answered request (refused, 404 and liveness included) with its
   * route template, never the raw URL. Call after the host check, before any route.
   */
  registerRequestObserver(app: INestApplication, observer: IHttpRequestObserver): void;
  /** Serves `GET path` and `GET path/ready` from the health snapshot, likewise outside Nest's pipeline. */
  registerHealthRoutes(app: INestApplication, path: string, snapshot: HealthSnapshot): void;
}

/** The chosen platform's package is not installed: it is an optional peer dependency. */
export class HttpPlatformMissingError extends Error {
  readonly code = 'HTTP_PLATFORM_MISSING';
  constructor(
    readonly platform: HttpPlatformName,
    readonly packageName: string,
    options?: { cause?: unknown },
  ) {
    super(
      `HTTP_PLATFORM=${platform} needs the package ${packageName}, which is not installed. ` +
        `Install it (npm install ${packageName}) or choose the platform your app has (bootstrap option platform, or HTTP_PLATFORM)`,
      options,
    );
    this.name = 'HttpPlatformMissingError';
  }
}

/** The npm package each platform comes from. */
export const HTTP_PLATFORM_PACKAGES: Readonly<Record<HttpPlatformName, string>> = {
  fastify: '@nestjs/platform-fastify',
  express: '@nestjs/platform-express',
};

/** Loads a module by specifier; `import()` outside tests. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const importModule: ModuleImporter = (specifier) => import(specifier);

/**
 * Loads the platform's package only now, so a host needs only the one it uses.
 * @throws HttpPlatformMissingError when that package cannot be found.
 */
export async function loadHttpPlatform(name: HttpPlatformName, importer: ModuleImporter = importModule): Promise<HttpPlatform> {
  const packageName = HTTP_PLATFORM_PACKAGES[name];
  let pkg: unknown;
  try {
    pkg = await importer(packageName);
  } catch (error) {
    if (isNotFound(error, packageName)) throw new HttpPlatformMissingError(name, packageName, { cause: error });
    throw error;
  }
  if (name === 'express') {
    const { expressPlatform } = await import('./platforms/express.platform.js');
    return expressPlatform(pkg as typeof import('@nestjs/platform-express'));
  }
  const { fastifyPlatform } = await import('./platforms/fastify.platform.js');
  return fastifyPlatform(pkg as typeof import('@nestjs/platform-fastify'));
}

/** Only the package itself missing: a dependency missing inside it is another problem, reported as it is. */
function isNotFound(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${packageName}'`);
}
