import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freePort, ROOT, startInstance, tempDir, waitExit, waitReady } from './support/harness.js';

afterEach(cleanup);

/**
 * A host that installed only Fastify: a copy of dist/ beside a node_modules linking every
 * package of ours except @nestjs/platform-express (the platforms are optional peers).
 */
function hostWithoutExpress(): string {
  const host = tempDir('procguard-host-');
  cpSync(join(ROOT, 'dist'), join(host, 'dist'), { recursive: true });
  writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'host', type: 'module' }));
  const from = join(ROOT, 'node_modules');
  const to = join(host, 'node_modules');
  mkdirSync(join(to, '@nestjs'), { recursive: true });
  for (const entry of readdirSync(from)) {
    if (entry !== '@nestjs') symlinkSync(join(from, entry), join(to, entry));
  }
  for (const entry of readdirSync(join(from, '@nestjs'))) {
    if (entry !== 'platform-express') symlinkSync(join(from, '@nestjs', entry), join(to, '@nestjs', entry));
  }
  return host;
}

describe('HTTP_PLATFORM', () => {
  describe('when the chosen platform package is not installed', () => {
    it('exits 2 naming the package to install, with no stack trace, and releases the lock', async () => {
      // Arrange
      const host = hostWithoutExpress();
      const dataDir = tempDir();

      // Act
      const inst = startInstance({ dataDir, port: await freePort(), script: join(host, 'dist', 'main.js'), env: { HTTP_PLATFORM: 'express' } });
      const exit = await waitExit(inst, 30_000);

      // Assert
      expect(exit).toEqual({ code: 2, signal: null });
      expect(inst.output()).toContain('HTTP_PLATFORM=express needs the package @nestjs/platform-express, which is not installed');
      expect(inst.output()).toContain('npm install @nestjs/platform-express');
      expect(inst.output()).not.toMatch(/^\s+at /m);
      expect(existsSync(join(dataDir, 'backend.pid.lock'))).toBe(false);
    });

    it('runs on the platform that is installed', async () => {
      const host = hostWithoutExpress();
      const port = await freePort();

      const inst = startInstance({ dataDir: tempDir(), port, script: join(host, 'dist', 'main.js'), env: { HTTP_PLATFORM: 'fastify' } });

      await waitReady(inst, port);
      expect(inst.output()).toContain('(health: /api/health, on fastify)');
    });
  });
});
