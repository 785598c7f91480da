import type { HostAllowList } from './host-allow-list.js';

/** The 403 a refused request gets, the same on every HTTP platform. */
export interface HostRefusal {
  readonly statusCode: 403;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly statusCode: 403; readonly code: 'HOST_NOT_ALLOWED'; readonly message: string };
}

const REFUSAL: HostRefusal = {
  statusCode: 403,
  headers: { 'cache-control': 'no-store' },
  body: {
    statusCode: 403,
    code: 'HOST_NOT_ALLOWED',
    message: 'This server does not answer to that Host; add it to ALLOWED_HOSTS if it is one of its names',
  },
};

/**
 * The DNS-rebinding guard, run before routing on every request (liveness, SSE, 404s included):
 * null when the request's `Host` is one this server answers to, else the answer to send.
 * Each platform registers it its own way (bootstrap/platforms/).
 */
export function hostRefusal(allowList: HostAllowList, header: string | string[] | undefined): HostRefusal | null {
  return allowList.allowsHost(Array.isArray(header) ? header[0] : header) ? null : REFUSAL;
}
