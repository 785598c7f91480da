import type { HostAllowList } from './host-allow-list.js';

/** The part of Fastify's instance the hook needs. */
export interface HookHost {
  addHook(
    name: 'onRequest',
    hook: (request: { headers: Record<string, string | string[] | undefined> }, reply: RefusalReply, done: () => void) => void,
  ): unknown;
}

interface RefusalReply {
  code(status: number): RefusalReply;
  header(name: string, value: string): RefusalReply;
  send(payload: unknown): unknown;
}

/**
 * Refuses, before routing, every request (liveness, SSE, 404s included) whose `Host`
 * is not one this server answers to: the DNS-rebinding guard.
 */
export function registerHostCheck(host: HookHost, allowList: HostAllowList): void {
  host.addHook('onRequest', (request, reply, done) => {
    const header = request.headers.host;
    if (allowList.allowsHost(Array.isArray(header) ? header[0] : header)) return done();
    const statusCode = 403;
    reply
      .code(statusCode)
      .header('cache-control', 'no-store')
      .send({
        statusCode,
        code: 'HOST_NOT_ALLOWED',
        message: 'This server does not answer to that Host; add it to ALLOWED_HOSTS if it is one of its names',
      });
  });
}
