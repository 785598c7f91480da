import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor200 } from './http.js';
import { spawnNode, type Proc } from './procs.js';
import { freePort, HOST } from './util.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built log writer (the bench runs the sources with tsx, which a forked writer does not have). */
export const LOG_WRITER_ENTRY = fileURLToPath(new URL('../../dist/supervisor/infrastructure/log-writer/log-writer.main.js', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface Running {
  readonly proc: Proc;
  readonly port: number;
  /** Spawn to first 200 from the readiness path, ms. */
  readonly readyMs: number;
}

/**
 * The env of every procguard the bench starts. The process config is pinned to
 * an empty list: the repository's sample config/processes.yaml would start
 * workers (one on a fixed port) that compete for the two cores and outlive a kill -9.
 */
export function procguardEnv(dataDir: string, port: number): Record<string, string> {
  const processesConfig = join(dataDir, 'bench-processes.yaml');
  if (!existsSync(processesConfig)) writeFileSync(processesConfig, 'processes: []\n');
  return { DATA_DIR: dataDir, PORT: String(port), HOST, SHUTDOWN_TIMEOUT_MS: '5000', PROCESSES_CONFIG: processesConfig };
}

export function assertBuilt(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
}

/** Spawns `node dist/main.js` on a fresh port and waits for /api/health/ready. */
export async function startProcguard(dataDir: string, label = 'procguard'): Promise<Running> {
  const port = await freePort();
  const proc = spawnNode(label, [MAIN], procguardEnv(dataDir, port));
  return waitReady(proc, port);
}

/**
 * The baseline server: bare node:http in its own process, answering the same
 * JSON bodies as /api/health, /api/health/ready and /api/health/live. On
 * SIGTERM it calls server.close() and exits once it has closed (Node's
 * default, which cuts idle keep-alive sockets at once).
 */
const BARE_SERVER_SOURCE = `
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const instanceId = randomUUID();
const startedAt = new Date().toISOString();
const checks = { lifecycle: { state: 'running', status: 'up' }, database: { schemaVersion: 1, journalMode: 'wal', status: 'up' } };
const ready = () => ({ status: 'ok', info: checks, error: {}, details: checks });
const full = () => {
  const { heapUsed, heapTotal, external, rss } = process.memoryUsage();
  return { ...ready(), pid: process.pid, instanceId, state: 'running', startedAt, uptime: process.uptime(),
    memoryUsage: { heapUsed, heapTotal, external, rss }, activeAgents: 0, totalAgents: 0, databaseStatus: 'up',
    timestamp: new Date().toISOString() };
};
const server = http.createServer((req, res) => {
  let body;
  if (req.url === '/api/health/live') body = JSON.stringify({ status: 'ok' });
  else if (req.url === '/api/health/ready') body = JSON.stringify(ready());
  else if (req.url === '/api/health') body = JSON.stringify(full());
  else { res.statusCode = 404; body = JSON.stringify({ statusCode: 404, message: 'Not Found' }); }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(body);
});
server.listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** Spawns the bare node:http baseline server and waits for its first 200. */
export async function startBare(label = 'bare http'): Promise<Running> {
  const port = await freePort();
  const proc = spawnNode(label, ['-e', BARE_SERVER_SOURCE], { PORT: String(port), HOST });
  return waitReady(proc, port);
}

/**
 * The framework's own floor: the smallest Nest app on Fastify (one controller answering the
 * readiness JSON at /api/health/ready, no logger), as ESM like procguard's dist. Written under
 * .bench/ in the repository so that it resolves the same node_modules.
 */
const MINIMAL_NEST_SOURCE = `import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Controller, Get, Module } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
const checks = { lifecycle: { state: 'running', status: 'up' }, database: { schemaVersion: 1, journalMode: 'wal', status: 'up' } };
class HealthController { ready() { return { status: 'ok', info: checks, error: {}, details: checks }; } }
Get('ready')(HealthController.prototype, 'ready', Object.getOwnPropertyDescriptor(HealthController.prototype, 'ready'));
Controller('health')(HealthController);
class AppModule {}
Module({ controllers: [HealthController] })(AppModule);
const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
app.setGlobalPrefix('api');
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT), process.env.HOST);
`;

/** Spawns the minimal Nest app (framework floor) and waits for its first 200 from /api/health/ready. */
export async function startMinimalNest(label = 'minimal Nest app'): Promise<Running> {
  const dir = join(ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'minimal-nest.mjs');
  writeFileSync(file, MINIMAL_NEST_SOURCE);
  const port = await freePort();
  const proc = spawnNode(label, [file], { PORT: String(port), HOST });
  return waitReady(proc, port);
}

async function waitReady(proc: Proc, port: number): Promise<Running> {
  try {
    const readyAt = await waitFor200(port, '/api/health/ready', { proc, intervalMs: 5, timeoutMs: 20_000 });
    return { proc, port, readyMs: readyAt - proc.spawnedAt };
  } catch (error) {
    await proc.stop(2000).catch(() => undefined);
    throw error;
  }
}
