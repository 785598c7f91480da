import type { INestApplication } from '@nestjs/common';
import type * as PlatformFastify from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { hostRefusal } from '../../lifecycle/presentation/host-check.hook.js';
import { HEALTH_HEADERS, type HealthAnswer } from '../../lifecycle/presentation/health-snapshot.js';
import { HEALTH_FAILURE, HEALTH_ROUTES } from '../../lifecycle/presentation/health.route.js';
import { LIVENESS_ANSWER } from '../../lifecycle/presentation/liveness.route.js';
import type { HttpPlatform } from '../http-platform.js';

/** Fastify: the host check is an `onRequest` hook, which runs before routing and body parsing. */
export function fastifyPlatform(pkg: typeof PlatformFastify): HttpPlatform {
  const instance = (app: INestApplication) => app.getHttpAdapter().getInstance() as FastifyInstance;
  return {
    name: 'fastify',
    createAdapter: () => new pkg.FastifyAdapter(),
    registerHostCheck(app, allowList) {
      instance(app).addHook('onRequest', (request, reply, done) => {
        const refusal = hostRefusal(allowList, request.headers.host);
        if (refusal === null) return done();
        void reply.code(refusal.statusCode).headers(refusal.headers).send(refusal.body);
      });
    },
    registerRequestObserver(app, observer) {
      instance(app).addHook('onResponse', (request, reply, done) => {
        // routeOptions.url is the template (`/api/processes/:name`); absent when nothing matched.
        observer.observe({ method: request.method, route: request.routeOptions?.url ?? null, statusCode: reply.statusCode, seconds: reply.elapsedTime / 1000 });
        done();
      });
    },
    registerLivenessRoute(app, path) {
      instance(app).get(path, (_request, reply) => {
        void reply.headers(LIVENESS_ANSWER.headers).send(LIVENESS_ANSWER.body);
      });
    },
    registerHealthRoutes(app, path, snapshot) {
      for (const route of HEALTH_ROUTES) {
        instance(app).get(`${path}${route.suffix}`, (_request, reply) => {
          const send = (answer: HealthAnswer) => void reply.code(answer.statusCode).headers(HEALTH_HEADERS).send(answer.body);
          const answer = route.answer(snapshot);
          if (answer instanceof Promise) answer.then(send, () => send(HEALTH_FAILURE));
          else send(answer);
        });
      }
    },
  };
}
