import type { INestApplication } from '@nestjs/common';
import { bootstrap } from './bootstrap-entry.js';

// The server is procguard's first consumer: it uses the public API as any host would.
// Fastify unless HTTP_PLATFORM says otherwise (a host's default is Nest's own, Express).
void bootstrap({
  module: () => import('./app.module.js'),
  platform: process.env.HTTP_PLATFORM ? undefined : 'fastify',
  configure: redirectRootToDashboard,
});

/** The server's own `/` opens the dashboard (a host keeps its `/`). Relative, so a proxy's sub-path stays. */
function redirectRootToDashboard(app: INestApplication): void {
  const http = app.getHttpAdapter();
  http.get('/', (_request: unknown, response: unknown) => http.redirect(response, 302, 'api/ui'));
}
