import type { ServerResponse } from 'node:http';

/** What `@Res()` injects: Fastify's reply wraps the Node response, Express's response is one. */
export type PlatformReply = ServerResponse | { readonly raw: ServerResponse; hijack(): unknown };

/** The Node response under a platform's reply, for headers set before the framework answers. */
export function nodeResponse(reply: PlatformReply): ServerResponse {
  return 'raw' in reply ? reply.raw : reply;
}

/**
 * Takes the response away from the framework and returns the Node response to write
 * to: Fastify must be told (`hijack`), or it would answer or log the request itself;
 * on Express a handler with `@Res()` already owns it.
 */
export function takeOverResponse(reply: PlatformReply): ServerResponse {
  if ('raw' in reply) {
    reply.hijack();
    return reply.raw;
  }
  return reply;
}
