import * as fs from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { isStorageError, type IStorageHealth } from '../../lifecycle/application/ports/storage-health.port.js';
import { hasFreeSpace } from '../../lifecycle/infrastructure/free-space.js';
import { MAX_TAIL_LINE_BYTES, truncationMarker, type IOutputStore, type LogLine } from '../application/ports/output-store.port.js';
import type { OutputStream } from '../application/ports/process-launcher.port.js';
import { isProcessName } from '../domain/process-name.js';

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
  /** Where failing writes (full disk, I/O error) are reported as "process logs". */
  readonly storage?: IStorageHealth;
  /** One line per log file that cannot be used for good (a symlink, a FIFO, no permission). */
  readonly log?: (message: string) => void;
  /** How often files that hit a full disk are retried once space is free again. @default 1000 */
  readonly retryMs?: number;
}

/** How this store is named in storage health. */
export const PROCESS_LOGS = 'process logs';

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
  /** Seq of the newest line; ring[i]'s is `seq - ring.length + 1 + i`. */
  seq: number;
  readonly followers: Set<(line: LogLine) => void>;
  readonly partial: Record<OutputStream, PartialLine>;
  fd: number | null;
  size: number;
  /** Set once file output failed; the ring keeps working. A symlink, FIFO… is never retried. */
  fileError: string | null;
  /** The failure is a full or failing disk: retried, with the lines dropped meanwhile counted. */
  outage: boolean;
  /** Lines that did not reach the file during the current outage. */
  dropped: number;
  /** The last failed write left part of a line in the file. */
  torn: boolean;
}

/** True for a name that cannot escape the log directory: the config's own name rule, so no accepted name is refused here. */
export function isSafeLogName(name: string): boolean {
  return isProcessName(name);
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
  private readonly storage?: IStorageHealth;
  private readonly log: (message: string) => void;
  private readonly retryMs: number;
  /** Outputs whose file hit a full disk; "process logs" is healthy again only when this is empty. */
  private readonly failing = new Set<ProcessOutput>();
  private retry: ReturnType<typeof setInterval> | null = null;

  constructor(options: RotatingOutputStoreOptions) {
    this.dir = options.dir;
    this.maxBytes = clampInt(options.maxBytes, 5 * 1024 * 1024, 1);
    this.keepFiles = clampInt(options.keepFiles, 3, 0);
    this.ringLines = clampInt(options.ringLines, 500, 1);
    this.ringBytes = clampInt(options.ringBytes, 256 * 1024, MAX_TAIL_LINE_BYTES);
    this.now = options.now ?? (() => new Date());
    this.storage = options.storage;
    this.log = options.log ?? (() => undefined);
    this.retryMs = clampInt(options.retryMs, 1000, 1);
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

  lastSeq(name: string): number {
    return this.outputs.get(name)?.seq ?? 0;
  }

  /** @throws Error when `name` could escape the log directory (a caller bug, not an I/O error). */
  follow(name: string, afterSeq: number, onLine: (line: LogLine) => void): () => void {
    const output = this.outputFor(name);
    const first = output.seq - output.ring.length + 1;
    for (let seq = Math.max(first, afterSeq + 1); seq <= output.seq; seq++) onLine(toLogLine(seq, output.ring[seq - first]));
    output.followers.add(onLine);
    return () => output.followers.delete(onLine);
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
    this.stopRetry();
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
      seq: 0,
      followers: new Set(),
      partial: { stdout: newPartial(), stderr: newPartial() },
      fd: null,
      size: 0,
      fileError: null,
      outage: false,
      dropped: 0,
      torn: false,
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
      output.seq += 1;
      if (output.followers.size > 0) {
        const logLine = toLogLine(output.seq, kept.text);
        for (const follower of output.followers) follower(logLine);
      }
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
    if (!this.ensureOpen(output)) return this.drop(output, lines.length);
    let batch = '';
    let batchBytes = 0;
    let batchLines = 0;
    for (const [index, line] of lines.entries()) {
      const bytes = Buffer.byteLength(line) + 1;
      // A file that already holds data is rotated; a single oversized line still gets a file of its own.
      if (output.size + batchBytes + bytes > this.maxBytes && output.size + batchBytes > 0) {
        if (!this.write(output, batch)) return this.drop(output, lines.length - index + batchLines);
        if (!this.rotate(output)) return this.drop(output, lines.length - index);
        batch = '';
        batchBytes = 0;
        batchLines = 0;
      }
      batch += `${line}\n`;
      batchBytes += bytes;
      batchLines += 1;
    }
    if (batch.length > 0 && !this.write(output, batch)) this.drop(output, batchLines);
  }

  /** Counts lines lost to a full disk, to be marked in the file once it works again. */
  private drop(output: ProcessOutput, lines: number): void {
    if (output.outage) output.dropped += lines;
  }

  private ensureOpen(output: ProcessOutput): boolean {
    if (output.fd !== null) return true;
    // During an outage only the retry timer reopens: appends in a crash loop must not hammer a full disk.
    if (output.fileError !== null) return false;
    if (this.dirError !== null) return this.fail(output, this.dirError);
    try {
      if (!this.dirReady) {
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
        // Never write through a symlink: a planted logs/ link would send agent output elsewhere.
        if (fs.lstatSync(this.dir).isSymbolicLink()) throw Object.assign(new Error(`${this.dir} is a symbolic link`), { code: 'ELOOP' });
        this.dirReady = true;
      }
    } catch (error) {
      // A full disk passes; anything else (a file where the directory should be) stays.
      if (!isStorageError(error)) this.dirError = errorCode(error);
      return this.fail(output, error);
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
      return this.fail(output, error);
    }
  }

  private write(output: ProcessOutput, text: string): boolean {
    if (output.fd === null || text.length === 0) return output.fd !== null;
    const data = Buffer.from(text);
    let offset = 0;
    try {
      while (offset < data.length) offset += fs.writeSync(output.fd, data, offset);
      output.size += data.length;
      return true;
    } catch (error) {
      output.size += offset;
      if (offset > 0) output.torn = true;
      return this.fail(output, error);
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
      return this.fail(output, error);
    }
    output.size = 0;
    return this.ensureOpen(output);
  }

  /**
   * Stops file output of `output`. A full or failing disk starts an outage (reported, retried);
   * anything else (a symlink, a FIFO, EACCES) turns the file off for good, said once in the log.
   */
  private fail(output: ProcessOutput, error: unknown): false {
    const code = errorCode(error);
    const first = output.fileError === null;
    output.fileError = code;
    this.closeFile(output);
    if (isStorageError(error)) {
      output.outage = true;
      this.failing.add(output);
      this.storage?.failed(PROCESS_LOGS, error);
      this.startRetry();
    } else {
      const wasOutage = this.failing.delete(output);
      output.outage = false;
      if (first || wasOutage) {
        this.log(`Not writing ${output.path} (${describeCode(code)}); that process's output is kept in memory only, never written through it`);
      }
    }
    return false;
  }

  private startRetry(): void {
    if (this.retry || this.closed) return;
    this.retry = setInterval(() => this.retryFailing(), this.retryMs);
    // Retrying must not keep a stopping backend alive.
    this.retry.unref();
  }

  private stopRetry(): void {
    if (this.retry) clearInterval(this.retry);
    this.retry = null;
  }

  /** Reopens the files that hit a full disk once there is room, marking in each what was dropped. */
  private retryFailing(): void {
    if (this.closed) return this.stopRetry();
    // A few bytes of slack in a page must not end an outage only to start it again on the next line.
    if (!hasFreeSpace(this.dir)) return;
    for (const output of [...this.failing]) {
      output.fileError = null;
      const { dropped, torn } = output;
      const mark = `${torn ? '\n' : ''}${this.now().toISOString()} procguard ${dropped} line(s) of output dropped: the disk was full or failing\n`;
      if (this.ensureOpen(output) && this.write(output, dropped > 0 || torn ? mark : '')) {
        Object.assign(output, { outage: false, dropped: 0, torn: false });
        this.failing.delete(output);
      }
    }
    if (this.failing.size > 0) return;
    this.stopRetry();
    this.storage?.succeeded(PROCESS_LOGS);
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

/** A ring line (`<ISO time> <stream> <text>`) as the stream sends it. */
function toLogLine(seq: number, line: string): LogLine {
  const timeEnd = line.indexOf(' ');
  const streamEnd = line.indexOf(' ', timeEnd + 1);
  return {
    seq,
    time: line.slice(0, timeEnd),
    stream: line.slice(timeEnd + 1, streamEnd) === 'stderr' ? 'stderr' : 'stdout',
    text: line.slice(streamEnd + 1),
  };
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

function describeCode(code: string): string {
  switch (code) {
    case 'ELOOP':
      return 'it is a symbolic link';
    case 'ENOTREGULAR':
    case 'ENXIO':
      return 'it is not a regular file';
    default:
      return code;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | null)?.code ?? String(error);
}

function clampInt(value: number | undefined, fallback: number, min: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.max(min, Math.floor(value));
}
