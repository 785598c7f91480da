import { bootstrap } from './bootstrap-entry.js';

// The server is procguard's first consumer: it uses the public API as any host would.
// Fastify unless HTTP_PLATFORM says otherwise (a host's default is Nest's own, Express).
void bootstrap({
  module: () => import('./app.module.js'),
  platform: process.env.HTTP_PLATFORM ? undefined : 'fastify',
});
