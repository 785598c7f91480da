import * as fs from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { MAX_TAIL_LINE_BYTES, truncationMarker, type IOutputStore } from '../application/ports/output-store.port.js';
import type { OutputStream } from '../application/ports/process-launcher.port.js';

export interface RotatingOutputStoreOptions {
  /** Directory of the `<name>.log` files; created (mode 0o750) on first use. */
  readonly dir: string;
  /** Size a log file may reach before it is rotated. @default 5 MiB */
  readonly maxBytes?: number;
  /** Rotated files kept (`<name>.log.1` … `.N`). @default 3 */
  readonly keepFiles?: number;
  /** Complete lines kept in memory per process for `tail`. @default 500 */
  readonly ringLines?: number;
  /** UTF-8 bytes of those lines kept per process (each line at most MAX_TAIL_LINE_BYTES). @default 256 KiB */
  readonly ringBytes?: number;
  /** Clock for the line timestamps. @default () => new Date() */
  readonly now?: () => Date;
}

/** A child that never prints a newline must not grow a partial line without bound. */
const MAX_PARTIAL_CHARS = 64 * 1024;
// O_NONBLOCK: opening a FIFO planted at the log path fails (ENXIO) instead of hanging the event loop.
const OPEN_FLAGS = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

interface PartialLine {
  readonly decoder: StringDecoder;
  text: string;
}

interface ProcessOutput {
  readonly path: string;
  readonly ring: string[];
  /** UTF-8 bytes of `ring`'s lines. */
  ringBytes: number;
  readonly partial: Record<OutputStream, PartialLine>;
  fd: number | null;
  size: number;
  /** Set once file output failed (symlink, ENOSPC…); the ring keeps working and the file is never retried. */
  fileError: string | null;
}

/** True for a name that cannot escape the log directory. */
export function isSafeLogName(name: string): boolean {
  return name.length > 0 && !name.includes('/') && !name.includes('\\') && !name.includes('\0') && !name.includes('..');
}

/**
 * Children's output as `<ISO time> <stream> <text>` lines in `<dir>/<name>.log`, rotated by
 * size, plus the last lines of each process in memory. Writes are synchronous and never
 * follow a symlink; an I/O failure drops the file output of that process, never the ring.
 */
export class RotatingOutputStore implements IOutputStore {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly keepFiles: number;
  private readonly ringLines: number;
  private readonly ringBytes: number;
  private readonly now: () => Date;
  private readonly outputs = new Map<string, ProcessOutput>();
  private dirError: string | null = null;
  private dirReady = false;
  private closed = false;

  constructor(options: RotatingOutputStoreOptions) {
    this.dir = options.dir;
    this.maxBytes = clampInt(options.maxBytes, 5 * 1024 * 1024, 1);
    this.keepFiles = clampInt(options.keepFiles, 3, 0);
    this.ringLines = clampInt(options.ringLines, 500, 1);
    this.ringBytes = clampInt(options.ringBytes, 256 * 1024, MAX_TAIL_LINE_BYTES);
    this.now = options.now ?? (() => new Date());
  }

  /** @throws Error when `name` could escape the log directory (a caller bug, not an I/O error). */
  append(name: string, stream: OutputStream, chunk: Buffer): void {
    const output = this.outputFor(name);
    const partial = output.partial[stream];
    const pieces = (partial.text + partial.decoder.write(chunk)).split('\n');
    partial.text = pieces.pop()!;
    if (partial.text.length > MAX_PARTIAL_CHARS) {
      pieces.push(partial.text);
      partial.text = '';
    }
    if (pieces.length > 0) this.record(output, stream, pieces);
  }

  tail(name: string, lines: number): string[] {
    const output = this.outputs.get(name);
    if (!output) return [];
    const count = Math.min(this.ringLines, Math.max(1, Math.floor(lines) || 1));
    return output.ring.slice(-count);
  }

  async close(): Promise<void> {
    for (const output of this.outputs.values()) {
      for (const stream of ['stdout', 'stderr'] as const) {
        const partial = output.partial[stream];
        const rest = partial.text + partial.decoder.end();
        partial.text = '';
        if (rest.length > 0) this.record(output, stream, [rest]);
      }
      this.closeFile(output);
    }
    // Late output (a child still draining) stays in memory; the files are finished.
    this.closed = true;
  }

  private outputFor(name: string): ProcessOutput {
    const known = this.outputs.get(name);
    if (known) return known;
    if (!isSafeLogName(name)) throw new Error(`Refusing unsafe log name ${JSON.stringify(name)}`);
    const output: ProcessOutput = {
      path: join(this.dir, `${name}.log`),
      ring: [],
      ringBytes: 0,
      partial: { stdout: newPartial(), stderr: newPartial() },
      fd: null,
      size: 0,
      fileError: null,
    };
    this.outputs.set(name, output);
    return output;
  }

  private record(output: ProcessOutput, stream: OutputStream, texts: string[]): void {
    const stamp = this.now().toISOString();
    const lines = texts.map((text) => `${stamp} ${stream} ${text.endsWith('\r') ? text.slice(0, -1) : text}`);
    this.remember(output, lines);
    if (!this.closed) this.writeLines(output, lines);
  }

  /** Keeps the newest lines within both ring bounds; a line too long for memory is cut, with a marker. */
  private remember(output: ProcessOutput, lines: readonly string[]): void {
    for (const line of lines) {
      const kept = cutLine(line);
      output.ring.push(kept.text);
      output.ringBytes += kept.bytes;
    }
    let drop = Math.max(0, output.ring.length - this.ringLines);
    let bytes = output.ringBytes;
    for (let i = 0; i < drop; i++) bytes -= Buffer.byteLength(output.ring[i]);
    while (bytes > this.ringBytes && drop < output.ring.length - 1) bytes -= Buffer.byteLength(output.ring[drop++]);
    if (drop > 0) output.ring.splice(0, drop);
    output.ringBytes = bytes;
  }

  /** Batches lines into as few writes as possible, rotating whenever the next line would pass maxBytes. */
  private writeLines(output: ProcessOutput, lines: string[]): void {
    if (!this.ensureOpen(output)) return;
    let batch = '';
    let batchBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line) + 1;
      // A file that already holds data is rotated; a single oversized line still gets a file of its own.
      if (output.size + batchBytes + bytes > this.maxBytes && output.size + batchBytes > 0) {
        if (!this.write(output, batch) || !this.rotate(output)) return;
        batch = '';
        batchBytes = 0;
      }
      batch += `${line}\n`;
      batchBytes += bytes;
    }
    if (batch.length > 0) this.write(output, batch);
  }

  private ensureOpen(output: ProcessOutput): boolean {
    if (output.fd !== null) return true;
    if (output.fileError !== null) return false;
    if (this.dirError !== null) return this.fail(output, this.dirError);
    try {
      if (!this.dirReady) {
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
        this.dirReady = true;
      }
    } catch (error) {
      this.dirError = errorCode(error);
      return this.fail(output, this.dirError);
    }
    try {
      const fd = fs.openSync(output.path, OPEN_FLAGS, 0o640);
      const stat = fs.fstatSync(fd);
      output.fd = fd;
      if (!stat.isFile()) return this.fail(output, 'ENOTREGULAR');
      output.size = stat.size;
      return true;
    } catch (error) {
      // ELOOP here means the log path is a symlink: never write through it.
      return this.fail(output, errorCode(error));
    }
  }

  private write(output: ProcessOutput, text: string): boolean {
    if (output.fd === null || text.length === 0) return output.fd !== null;
    const data = Buffer.from(text);
    try {
      for (let offset = 0; offset < data.length; ) offset += fs.writeSync(output.fd, data, offset);
      output.size += data.length;
      return true;
    } catch (error) {
      return this.fail(output, errorCode(error));
    }
  }

  /** name.log → name.log.1 → … → name.log.<keepFiles>; what would go past keepFiles is overwritten or removed. */
  private rotate(output: ProcessOutput): boolean {
    this.closeFile(output);
    try {
      if (this.keepFiles === 0) {
        fs.rmSync(output.path, { force: true });
      } else {
        for (let index = this.keepFiles - 1; index >= 1; index--) {
          renameIfPresent(`${output.path}.${index}`, `${output.path}.${index + 1}`);
        }
        renameIfPresent(output.path, `${output.path}.1`);
      }
    } catch (error) {
      return this.fail(output, errorCode(error));
    }
    output.size = 0;
    return this.ensureOpen(output);
  }

  private fail(output: ProcessOutput, code: string): false {
    output.fileError = code;
    this.closeFile(output);
    return false;
  }

  private closeFile(output: ProcessOutput): void {
    if (output.fd === null) return;
    const fd = output.fd;
    output.fd = null;
    try {
      fs.closeSync(fd);
    } catch {
      // The descriptor is released by the kernel even when close reports an error.
    }
  }
}

/** The line, or its first bytes (whole characters) plus the marker, within MAX_TAIL_LINE_BYTES. */
function cutLine(line: string): { text: string; bytes: number } {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most lines need no byte count at all.
  if (line.length * 3 <= MAX_TAIL_LINE_BYTES) return { text: line, bytes: Buffer.byteLength(line) };
  const data = Buffer.from(line);
  if (data.length <= MAX_TAIL_LINE_BYTES) return { text: line, bytes: data.length };
  const marker = truncationMarker(data.length);
  // StringDecoder.write holds back a character cut in half.
  const head = new StringDecoder('utf8').write(data.subarray(0, MAX_TAIL_LINE_BYTES - Buffer.byteLength(marker)));
  const text = head + marker;
  return { text, bytes: Buffer.byteLength(text) };
}

function newPartial(): PartialLine {
  return { decoder: new StringDecoder('utf8'), text: '' };
}

function renameIfPresent(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | null)?.code ?? String(error);
}

function clampInt(value: number | undefined, fallback: number, min: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.max(min, Math.floor(value));
}
