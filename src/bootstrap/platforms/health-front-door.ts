import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HEALTH_HEADERS, type HealthAnswer, type HealthSnapshot } from '../../lifecycle/presentation/health-snapshot.js';
import { HEALTH_FAILURE, HEALTH_ROUTES } from '../../lifecycle/presentation/health.route.js';
import type { HostAllowList } from '../../lifecycle/presentation/host-allow-list.js';
import { hostRefusal } from '../../lifecycle/presentation/host-check.hook.js';
import { LIVENESS_ANSWER } from '../../lifecycle/presentation/liveness.route.js';
import type { IHttpRequestObserver } from '../../metrics/application/ports/http-request-observer.port.js';

export interface HealthFrontDoorOptions {
  /** The health path (`/api/health`): `GET`/`HEAD` of it, of `/ready` and of `/live` are answered here. */
  readonly path: string;
  readonly snapshot: HealthSnapshot;
  readonly allowList: HostAllowList;
  readonly observer: IHttpRequestObserver | null;
}

type Answer = (() => HealthAnswer | Promise<HealthAnswer>) & {
  readonly headers: Readonly<Record<string, string>>;
  /** The headers already carry the body's length (a body that never changes). */
  readonly sized?: true;
};

const LIVENESS_BODY = JSON.stringify(LIVENESS_ANSWER.body);
const LIVENESS_HEADERS = {
  ...LIVENESS_ANSWER.headers,
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(Buffer.byteLength(LIVENESS_BODY)),
};

/**
 * Answers the health routes on the Node server itself, ahead of the platform's router: the
 * probes hit most often then cost what a bare `node:http` handler costs, not Fastify's or
 * Express's routing and hooks (measured in docs/benchmarks.md, row 5). The answers, the host
 * check and the request metric are the platform routes' own (which stay registered for every
 * other method); anything else goes to the platform untouched. Install it right after
 * `NestFactory.create`, while the platform's handler is the server's only `request` listener.
 * @returns false, changing nothing, when the server has other `request` listeners already
 */
export function openHealthFrontDoor(server: Server, options: HealthFrontDoorOptions): boolean {
  const listeners = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  if (listeners.length !== 1) return false;
  const [platform] = listeners;
  const answers = new Map<string, Answer>();
  for (const route of HEALTH_ROUTES) {
    answers.set(`${options.path}${route.suffix}`, Object.assign(() => route.answer(options.snapshot), { headers: HEALTH_HEADERS }));
  }
  answers.set(`${options.path}/live`, Object.assign(() => ({ statusCode: 200, body: LIVENESS_BODY }), { headers: LIVENESS_HEADERS, sized: true as const }));
  server.removeListener('request', platform);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const routePath = query === -1 ? url : url.slice(0, query);
    const route = answers.get(routePath);
    if (!route || (request.method !== 'GET' && request.method !== 'HEAD')) return platform.call(server, request, response);
    const started = performance.now();
    const refusal = hostRefusal(options.allowList, request.headers.host);
    if (refusal) {
      send(request, response, refusal.statusCode, { ...refusal.headers, 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(refusal.body));
      observe(options.observer, request, null, refusal.statusCode, started);
      return;
    }
    const reply = (answer: HealthAnswer) => {
      send(request, response, answer.statusCode, route.headers, answer.body, route.sized);
      observe(options.observer, request, routePath, answer.statusCode, started);
    };
    const answer = route();
    if (answer instanceof Promise) answer.then(reply, () => reply(HEALTH_FAILURE));
    else reply(answer);
  });
  return true;
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  statusCode: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  sized = false,
): void {
  response.writeHead(statusCode, sized ? headers : { ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function observe(observer: IHttpRequestObserver | null, request: IncomingMessage, route: string | null, statusCode: number, started: number): void {
  observer?.observe({ method: request.method ?? 'GET', route, statusCode, seconds: (performance.now() - started) / 1000 });
}
