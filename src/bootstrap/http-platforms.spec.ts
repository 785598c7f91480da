import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import request from 'supertest';
import { HTTP_PLATFORMS } from './bootstrap-options.js';
import { HostAllowList } from '../lifecycle/presentation/host-allow-list.js';
import { LIVENESS_PATH } from '../lifecycle/presentation/liveness.route.js';
import { HttpPlatformMissingError, loadHttpPlatform, type HttpPlatform } from './http-platform.js';
import { EXPRESS_KEEP_ALIVE_TIMEOUT_MS } from './platforms/express.platform.js';

@Controller('things')
class ThingsController {
  @Get()
  list() {
    return { things: [] };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const ALLOW_LIST = HostAllowList.fromSettings({ HOST: '127.0.0.1', PORT: 3999, ALLOWED_HOSTS: [] });
const GOOD_HOST = '127.0.0.1:3999';

/** A real Nest app on the platform, wired as server.ts wires it. */
async function appOn(platform: HttpPlatform): Promise<INestApplication> {
  const app = await NestFactory.create(ThingsModule, platform.createAdapter(), { logger: false });
  app.setGlobalPrefix('api');
  platform.registerHostCheck(app, ALLOW_LIST);
  platform.registerLivenessRoute(app, LIVENESS_PATH);
  await app.listen(0, '127.0.0.1');
  return app;
}

describe('loadHttpPlatform', () => {
  describe('when the platform package is not installed', () => {
    it.each(HTTP_PLATFORMS)('names the package to install for %s', async (name) => {
      const missing = async (specifier: string) => {
        throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/dist/bootstrap/http-platform.js`), {
          code: 'ERR_MODULE_NOT_FOUND',
        });
      };

      const error = await loadHttpPlatform(name, missing).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(HttpPlatformMissingError);
      expect(error).toMatchObject({ code: 'HTTP_PLATFORM_MISSING', platform: name, packageName: `@nestjs/platform-${name}` });
      expect((error as Error).message).toContain(`HTTP_PLATFORM=${name} needs the package @nestjs/platform-${name}`);
      expect((error as Error).message).toContain(`npm install @nestjs/platform-${name}`);
    });
  });

  describe('when the package is there but something it imports is not', () => {
    it('reports that problem as it is, not as a missing platform', async () => {
      const broken = Object.assign(new Error("Cannot find package 'express' imported from /app/node_modules/@nestjs/platform-express/index.js"), {
        code: 'ERR_MODULE_NOT_FOUND',
      });

      const error = await loadHttpPlatform('express', () => Promise.reject(broken)).catch((e: unknown) => e);

      expect(error).toBe(broken);
    });
  });

  it.each(HTTP_PLATFORMS)('loads %s, whose adapter is of that type', async (name) => {
    const platform = await loadHttpPlatform(name);

    expect(platform.name).toBe(name);
    expect(platform.createAdapter().getType()).toBe(name);
  });
});

describe.each(HTTP_PLATFORMS)('the %s platform', (name) => {
  let app: INestApplication;
  beforeEach(async () => {
    app = await appOn(await loadHttpPlatform(name));
  });
  afterEach(() => app.close());

  describe('when the Host is not allowed', () => {
    it.each([LIVENESS_PATH, '/api/things', '/api/nowhere', '/nowhere'])('refuses GET %s with 403 before routing', async (path) => {
      const res = await request(app.getHttpServer()).get(path).set('host', 'evil.example:3999');

      expect(res.status).toBe(403);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({ statusCode: 403, code: 'HOST_NOT_ALLOWED', message: expect.stringContaining('ALLOWED_HOSTS') });
    });
  });

  describe('when the Host is allowed', () => {
    it('serves liveness outside Nest, with no-store', async () => {
      const res = await request(app.getHttpServer()).get(LIVENESS_PATH).set('host', GOOD_HOST);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    });

    it('serves Nest routes without a framework banner or an ETag', async () => {
      const res = await request(app.getHttpServer()).get('/api/things').set('host', GOOD_HOST);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ things: [] });
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers.etag).toBeUndefined();
    });

    it.each(['/api/nowhere', '/nowhere'])('answers %s with a JSON 404, inside the prefix or not', async (path) => {
      const res = await request(app.getHttpServer()).get(path).set('host', GOOD_HOST);

      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: `Cannot GET ${path}` });
    });
  });

  it('keeps idle keep-alive sockets as long as Fastify does (72 s)', () => {
    expect((app.getHttpServer() as Server).keepAliveTimeout).toBe(EXPRESS_KEEP_ALIVE_TIMEOUT_MS);
  });
});
