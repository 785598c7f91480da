import type { ServerResponse } from 'node:http';
import { nodeResponse, takeOverResponse } from './raw-response.js';

/** Stands in for a Node response: only identity matters here. */
const nodeRes = () => ({ setHeader: () => undefined }) as unknown as ServerResponse;

/** Fastify's reply: wraps the Node response, and must be hijacked before it is written to. */
function fastifyReply(raw: ServerResponse) {
  let hijacked = 0;
  return { raw, hijack: () => (hijacked += 1), hijacked: () => hijacked };
}

describe('raw-response', () => {
  describe('when the platform wraps the Node response (Fastify)', () => {
    it('takes it over by hijacking the reply, and returns the Node response', () => {
      const raw = nodeRes();
      const reply = fastifyReply(raw);

      expect(takeOverResponse(reply)).toBe(raw);
      expect(reply.hijacked()).toBe(1);
    });

    it('reaches the Node response for a header without hijacking', () => {
      const raw = nodeRes();
      const reply = fastifyReply(raw);

      expect(nodeResponse(reply)).toBe(raw);
      expect(reply.hijacked()).toBe(0);
    });
  });

  describe('when the response is the Node response (Express)', () => {
    it('returns it as it is', () => {
      const res = nodeRes();

      expect(takeOverResponse(res)).toBe(res);
      expect(nodeResponse(res)).toBe(res);
    });
  });
});
