import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type * as PlatformExpress from '@nestjs/platform-express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { hostRefusal } from '../../lifecycle/presentation/host-check.hook.js';
import { HEALTH_HEADERS, type HealthAnswer } from '../../lifecycle/presentation/health-snapshot.js';
import { HEALTH_FAILURE, HEALTH_ROUTES } from '../../lifecycle/presentation/health.route.js';
import { LIVENESS_ANSWER } from '../../lifecycle/presentation/liveness.route.js';
import type { HttpPlatform } from '../http-platform.js';

type Handler = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/** The part of the Express app the platform uses (express is platform-express's dependency, not ours). */
interface ExpressApp {
  use(handler: Handler): unknown;
  get(path: string, handler: Handler): unknown;
  disable(setting: string): unknown;
}

/**
 * Fastify's default. Node's 5 s cuts an idle keep-alive socket while a client may be
 * sending its next request on it (a reset), and cuts the sockets the drain serves.
 */
export const EXPRESS_KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * Express: the host check is the first middleware and the liveness route the first
 * route, both on the Express app before Nest registers its body parsers and routes
 * (at `init`), answered with Node's own response methods.
 */
export function expressPlatform(pkg: typeof PlatformExpress): HttpPlatform {
  class ProcguardExpressAdapter extends pkg.ExpressAdapter {
    override initHttpServer(options: NestApplicationOptions): void {
      super.initHttpServer(options);
      (this.getHttpServer() as Server).keepAliveTimeout = EXPRESS_KEEP_ALIVE_TIMEOUT_MS;
    }

    /** Nest's JSON 404 covers only the global prefix here; Express's own HTML page answered the rest. */
    override setNotFoundHandler(...[handler, prefix, excludedRoutes]: Parameters<PlatformExpress.ExpressAdapter['setNotFoundHandler']>): unknown {
      const answer: unknown = super.setNotFoundHandler(handler, prefix, excludedRoutes);
      // Mounted after the prefixed one, and it skips the prefix's paths, which that one answers.
      if (prefix) super.setNotFoundHandler(handler);
      return answer;
    }
  }
  const instance = (app: INestApplication) => app.getHttpAdapter().getInstance() as ExpressApp;
  return {
    name: 'express',
    createAdapter() {
      const adapter = new ProcguardExpressAdapter();
      const express = adapter.getInstance<ExpressApp>();
      // As on Fastify: no framework banner, and no ETag, so a health answer is never a 304.
      express.disable('x-powered-by');
      express.disable('etag');
      return adapter;
    },
    registerHostCheck(app, allowList) {
      instance(app).use((request, response, next) => {
        const refusal = hostRefusal(allowList, request.headers.host);
        if (refusal === null) return next();
        sendJson(response, refusal.statusCode, refusal.headers, refusal.body);
      });
    },
    registerRequestObserver(app, observer) {
      instance(app).use((request, response, next) => {
        const began = process.hrtime.bigint();
        let told = false;
        const tell = () => {
          if (told) return;
          told = true;
          const seconds = Number(process.hrtime.bigint() - began) / 1e9;
          observer.observe({ method: request.method ?? 'GET', route: routeTemplate(request), statusCode: response.statusCode, seconds });
        };
        // `close` alone for a client that went away before the answer was written.
        response.once('finish', tell);
        response.once('close', tell);
        next();
      });
    },
    registerLivenessRoute(app, path) {
      instance(app).get(path, (_request, response) => sendJson(response, 200, LIVENESS_ANSWER.headers, LIVENESS_ANSWER.body));
    },
    registerHealthRoutes(app, path, snapshot) {
      for (const route of HEALTH_ROUTES) {
        instance(app).get(`${path}${route.suffix}`, (_request, response) => {
          const send = (answer: HealthAnswer) =>
            response.writeHead(answer.statusCode, { ...HEALTH_HEADERS, 'content-length': Buffer.byteLength(answer.body) }).end(answer.body);
          const answer = route.answer(snapshot);
          if (answer instanceof Promise) answer.then(send, () => send(HEALTH_FAILURE));
          else send(answer);
        });
      }
    },
  };
}

/** Nest's not-found route under the global prefix (`router.all('*path')`): nothing really matched. */
const NOT_FOUND_ROUTE = '*path';

/**
 * The matched route's template, as Express leaves it on the request (`req.route.path`, under
 * the router's `baseUrl`); null when no route matched (a 404, a refused Host).
 */
function routeTemplate(request: IncomingMessage): string | null {
  const { route, baseUrl } = request as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  if (typeof route?.path !== 'string' || route.path === NOT_FOUND_ROUTE) return null;
  return `${baseUrl ?? ''}${route.path}`;
}

function sendJson(response: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
    .end(text);
}
