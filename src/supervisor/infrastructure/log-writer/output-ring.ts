import { StringDecoder } from 'node:string_decoder';
import { MAX_TAIL_LINE_BYTES, truncationMarker, type LogLine } from '../../application/ports/output-store.port.js';
import type { LogStreamName } from '../../domain/log-files.js';
import { countNewlines } from './newline-counter.js';

const NEWLINE = 10;

/** A chunk as read from a child's pipe, with the sequence number its first complete line gets. */
interface Chunk {
  readonly stream: LogStreamName;
  readonly time: number;
  readonly data: Buffer;
  /** seq of the first line this chunk ends; its lines are numbered on from there. */
  readonly firstSeq: number;
  /** The stream's previous byte was not a newline: the chunk starts inside a line. */
  readonly midLine: boolean;
}

/**
 * The last output of one process as raw chunks (bounded by bytes), numbered by line: each
 * line's `seq` counts the lines of that name from 1, in the order their newlines arrived.
 * Nothing is split into lines until a tail or a follower asks.
 */
export class OutputRing {
  private readonly chunks: Chunk[] = [];
  private bytes = 0;
  /** seq of the last complete line. */
  seq = 0;
  private readonly inLine: Record<LogStreamName, boolean> = { stdout: false, stderr: false };

  constructor(private readonly maxBytes: number) {}

  /** Stores a chunk; returns it as numbered for a follower. */
  push(stream: LogStreamName, data: Buffer, time: number): Chunk {
    const newlines = countNewlines(data);
    const chunk: Chunk = { stream, time, data, firstSeq: this.seq + 1, midLine: this.inLine[stream] };
    this.seq += newlines;
    if (data.length > 0) this.inLine[stream] = data[data.length - 1] !== NEWLINE;
    this.chunks.push(chunk);
    this.bytes += data.length;
    while (this.bytes > this.maxBytes && this.chunks.length > 1) this.bytes -= this.chunks.shift()!.data.length;
    return chunk;
  }

  /** True when `stream` ended in the middle of a line (its end then closes it). */
  open(stream: LogStreamName): boolean {
    return this.inLine[stream];
  }

  /** Feeds every stored chunk to `assembler`, oldest first. */
  replay(assembler: LineAssembler): void {
    for (const chunk of this.chunks) assembler.feed(chunk);
  }

  /** The lowest seq still complete in memory (lines before it are gone). */
  get oldestSeq(): number {
    return this.chunks.length === 0 ? this.seq + 1 : this.chunks[0].firstSeq;
  }
}

/** Turns numbered chunks into lines; a line whose start was evicted from the ring is skipped. */
export class LineAssembler {
  private readonly pending: Record<LogStreamName, Buffer[] | null> = { stdout: null, stderr: null };
  private started: Record<LogStreamName, boolean> = { stdout: false, stderr: false };

  constructor(private readonly emit: (line: LogLine) => void) {}

  feed(chunk: Chunk): void {
    const { stream, data } = chunk;
    let skipFirst = !this.started[stream] && chunk.midLine;
    this.started[stream] = true;
    let seq = chunk.firstSeq;
    let start = 0;
    const iso = new Date(chunk.time).toISOString();
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      const piece = data.subarray(start, nl);
      const parts = this.pending[stream];
      this.pending[stream] = null;
      if (!skipFirst) this.emit({ seq, time: iso, stream, text: decodeLine(parts ? Buffer.concat([...parts, piece]) : piece) });
      skipFirst = false;
      seq += 1;
      start = nl + 1;
    }
    if (start < data.length && !skipFirst) {
      const rest = data.subarray(start);
      const parts = this.pending[stream] ?? [];
      // A line never ends in memory past what a tail keeps of it.
      if (parts.reduce((n, p) => n + p.length, 0) < 4 * MAX_TAIL_LINE_BYTES) parts.push(rest);
      this.pending[stream] = parts;
    }
  }
}

/** The line as text without a trailing CR, cut to MAX_TAIL_LINE_BYTES with the marker. */
function decodeLine(data: Buffer): string {
  const end = data.length > 0 && data[data.length - 1] === 13 ? data.length - 1 : data.length;
  const body = data.subarray(0, end);
  if (body.length <= MAX_TAIL_LINE_BYTES) return body.toString('utf8');
  const marker = truncationMarker(body.length);
  return new StringDecoder('utf8').write(body.subarray(0, MAX_TAIL_LINE_BYTES - Buffer.byteLength(marker))) + marker;
}

/** `/logs` lines, as before: `<ISO time> <stream> <text>`. */
export function formatTailLine(line: LogLine): string {
  return `${line.time} ${line.stream} ${line.text}`;
}
