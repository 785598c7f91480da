/** The part of Fastify's instance the liveness route needs. */
export interface RouteHost {
  get(path: string, handler: (request: unknown, reply: LivenessReply) => void): unknown;
}

interface LivenessReply {
  header(name: string, value: string): LivenessReply;
  send(payload: unknown): unknown;
}

/** Where the server's own liveness route is (its global prefix is `api`). */
export const LIVENESS_PATH = '/api/health/live';
const ALIVE = { status: 'ok' };

/**
 * `GET <prefix>/health/live` straight on Fastify. Liveness checks nothing but that
 * the event loop answers, so Nest's guard/pipe/interceptor pipeline would only
 * add cost to the route probes hit most often (measured in docs/benchmarks.md).
 */
export function registerLivenessRoute(host: RouteHost, path: string = LIVENESS_PATH): void {
  host.get(path, (_request, reply) => {
    reply.header('cache-control', 'no-store').send(ALIVE);
  });
}
