/** Where the server's own liveness route is (its global prefix is `api`). */
export const LIVENESS_PATH = '/api/health/live';

/**
 * `GET <prefix>/health/live`, answered straight on the HTTP platform (bootstrap/platforms/).
 * Liveness checks nothing but that the event loop answers, so Nest's guard/pipe/interceptor
 * pipeline would only add cost to the route probes hit most often (measured in docs/benchmarks.md).
 */
export const LIVENESS_ANSWER = {
  body: { status: 'ok' },
  headers: { 'cache-control': 'no-store' },
} as const;
