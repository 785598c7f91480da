import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, freePort, getJson, startInstance, tempDir, waitFor, waitReady, type Spawned } from './harness.js';

export interface Backend {
  readonly proc: Spawned;
  readonly port: number;
  readonly dataDir: string;
  readonly configPath: string;
}

/** A process config whose `command: node` entries run test fixtures. */
export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export function writeConfig(path: string, yaml: string): void {
  writeFileSync(path, yaml);
}

/** Starts the real backend (dist/main.js) with the given process config. */
export async function startBackend(yaml: string, env: NodeJS.ProcessEnv = {}, dataDir = tempDir()): Promise<Backend> {
  const configPath = join(dataDir, 'processes.yaml');
  writeConfig(configPath, yaml);
  const port = await freePort();
  const proc = startInstance({ dataDir, port, env: { PROCESSES_CONFIG: configPath, ...env } });
  await waitReady(proc, port);
  return { proc, port, dataDir, configPath };
}

export async function processStatus(backend: Backend, name: string): Promise<any> {
  return (await getJson(backend.port, `/api/processes/${name}`)).body;
}

export async function post(backend: Backend, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${backend.port}${path}`, { method: 'POST', headers });
  return { status: res.status, body: await res.json() };
}

/** Waits until a captured output line of `name` contains `text`; returns that line. */
export async function waitForLogLine(backend: Backend, name: string, text: string): Promise<string> {
  return waitFor(async () => {
    const lines: string[] = (await getJson(backend.port, `/api/processes/${name}/logs?lines=50`)).body.lines;
    return lines.find((l) => l.includes(text));
  }, `${name} to print "${text}"`);
}
