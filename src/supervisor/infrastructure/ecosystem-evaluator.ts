import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** How long a JavaScript ecosystem file may take to produce its config. */
export const ECOSYSTEM_TIMEOUT_MS = 5000;

/** Bytes of the child's stderr kept to explain a failure; the rest is read and dropped. */
const STDERR_KEPT_BYTES = 4096;

/**
 * Runs in the short-lived child: imports the file (CommonJS or ESM, as Node decides from its
 * extension and package.json), takes `export default` / `module.exports` (or the named
 * exports), and writes it as JSON on fd 3, so what the file itself prints cannot mix in.
 */
const EVALUATOR = String.raw`
import { createWriteStream, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const file = process.argv[1];
const fail = (reason) => { writeSync(2, reason); process.exit(70); };
const where = (error) => {
  const stack = typeof error?.stack === 'string' ? error.stack : '';
  const escaped = file.replace(/[.*+?^${'$'}{}()|[\]\\]/g, '\\$&');
  const at = new RegExp(escaped + ':(\\d+)').exec(stack);
  return at ? ' (line ' + at[1] + ')' : '';
};
let value;
try {
  const ns = await import(pathToFileURL(file).href);
  value = await (ns.default !== undefined ? ns.default : { ...ns });
} catch (error) {
  fail((error instanceof Error ? error.name + ': ' + error.message : 'threw ' + String(error)) + where(error));
}
let json;
try {
  json = JSON.stringify(value ?? null);
} catch (error) {
  fail('its export cannot be turned into JSON: ' + (error instanceof Error ? error.message : String(error)));
}
createWriteStream('', { fd: 3 }).end(json ?? 'null', () => process.exit(0));
`;

export type EcosystemResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

export interface EvaluateOptions {
  readonly timeoutMs?: number;
  /** Largest JSON the file may produce. */
  readonly maxBytes: number;
}

/**
 * Evaluates a PM2 `ecosystem.config.{js,cjs,mjs}` in a separate Node process and returns what
 * it exports, parsed. The backend never runs the file's code itself: a file that loops, waits
 * for ever, exits, or prints megabytes costs one child, killed (with its process group) at the
 * timeout or at the size cap. Never rejects: every failure is a `reason` for the config error.
 */
export function evaluateEcosystemFile(path: string, options: EvaluateOptions): Promise<EcosystemResult> {
  const timeoutMs = options.timeoutMs ?? ECOSYSTEM_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', EVALUATOR, '--', path], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      // Its own group, so that the timeout also ends whatever the file started.
      detached: true,
    });
    const result: Buffer[] = [];
    let resultBytes = 0;
    let stderr = '';
    let failure: string | null = null;
    let exited = false;

    const stop = (reason: string) => {
      failure ??= reason;
      // Only while it runs: after its exit the group id could name someone else's group.
      if (!exited && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    };
    const timer = setTimeout(() => stop(`did not finish within ${timeoutMs} ms (is it waiting for something?)`), timeoutMs);

    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      resultBytes += chunk.length;
      if (resultBytes > options.maxBytes) stop(`exports more than ${options.maxBytes} bytes of config as JSON; the cap is ${options.maxBytes}`);
      else result.push(chunk);
    });
    // Drained so the child never blocks on a full pipe; only the start of stderr is kept.
    child.stdout?.resume();
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_KEPT_BYTES) stderr += chunk.toString('utf8').slice(0, STDERR_KEPT_BYTES - stderr.length);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `cannot start node to evaluate it: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      if (failure !== null) return resolve({ ok: false, reason: failure });
      if (code === 70) return resolve({ ok: false, reason: `failed to evaluate: ${firstLine(stderr)}` });
      if (code !== 0) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        return resolve({ ok: false, reason: `${how} before exporting a config${stderr ? `: ${firstLine(stderr)}` : ''}` });
      }
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(result).toString('utf8')) as unknown });
      } catch {
        resolve({ ok: false, reason: 'exited before its whole config was written (did it call process.exit?)' });
      }
    });
    child.on('exit', () => {
      exited = true;
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
