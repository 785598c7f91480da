// The log writer: one small process per backend that owns the children's stdout/stderr pipes
// (handed over at launch) and writes them to their files, so a child flooding its output
// costs this process (and throttles the child by its pipe), never the backend's event loop.
// It keeps the last output of each process for /logs and sends lines to the backend only
// for a process someone follows, in bounded batches.

import { Socket } from 'node:net';
import type { LogLine } from '../../application/ports/output-store.port.js';
import { compileDateFormat } from '../../domain/log-date-format.js';
import type { LogStreamName } from '../../domain/log-files.js';
import { SEQ_REPORT_MS, type FromWriter, type ToWriter, type WriterSettings, type WriterTarget } from './log-writer.protocol.js';
import { formatTailLine, LineAssembler, OutputRing } from './output-ring.js';
import { RotatingLogFile } from './rotating-log-file.js';

const NEWLINE = 10;
/** A line longer than this is written in pieces (a child that never prints a newline). */
const MAX_HELD_BYTES = 64 * 1024;
/** Lines waiting for the backend per followed process; older ones are dropped (a seq gap). */
const MAX_PENDING_LINES = 2000;
const FOLLOW_FLUSH_MS = 50;
/** After `close` or the backend's end, how long children still writing are waited for. */
const DRAIN_LIMIT_MS = 5000;

const settings = JSON.parse(process.argv[2] ?? '{}') as WriterSettings;
const files = new Map<string, RotatingLogFile>();
const rings = new Map<string, OutputRing>();
const follows = new Map<string, Follow>();
const sources = new Set<Source>();
let closing = false;
/** Names whose seq moved since the last report. */
const moved = new Set<string>();
setInterval(() => {
  if (moved.size === 0) return;
  const seqs: Record<string, number> = {};
  for (const name of moved) seqs[name] = rings.get(name)?.seq ?? 0;
  moved.clear();
  send({ t: 'seq', seqs });
}, SEQ_REPORT_MS).unref();

function send(message: FromWriter, done?: () => void): void {
  if (!process.connected) return;
  try {
    process.send!(message, undefined, {}, () => done?.());
  } catch {
    done?.();
  }
}

/** Files in a full-disk outage, retried by a timer (also once no child writes to them), so health recovers by itself. */
const failing = new Map<string, RotatingLogFile>();

const fileEvents = {
  unusable: (path: string, reason: string) =>
    send({ t: 'warn', message: `Not writing ${path} (${reason}); that process's output is kept in memory only, never written through it` }),
  storage: (path: string, error: unknown) => {
    if (error !== null) {
      const file = files.get(path);
      if (file) failing.set(path, file);
      send({ t: 'storage', ok: false, error: `${path}: ${(error as Error).message}`, code: (error as NodeJS.ErrnoException).code });
      return;
    }
    failing.delete(path);
    // "process logs" is healthy again only once no file is failing.
    if (failing.size === 0) send({ t: 'storage', ok: true });
  },
};

setInterval(() => {
  for (const [path, file] of failing) {
    if (!file.retry()) continue;
    failing.delete(path);
    if (file.refs <= 0) file.close();
  }
}, 1000).unref();

function fileFor(path: string): RotatingLogFile {
  let file = files.get(path);
  if (!file) {
    file = new RotatingLogFile(path, settings.maxBytes, settings.keepFiles, fileEvents);
    files.set(path, file);
  }
  file.refs += 1;
  return file;
}

function release(file: RotatingLogFile): void {
  file.refs -= 1;
  if (file.refs > 0) return;
  file.close();
  files.delete(file.path);
}

function ringFor(name: string): OutputRing {
  let ring = rings.get(name);
  if (!ring) {
    ring = new OutputRing(settings.ringBytes);
    rings.set(name, ring);
  }
  return ring;
}

/** A followed process: lines assembled as they come, sent in batches, never more than one in flight. */
class Follow {
  private pending: LogLine[] = [];
  private inFlight = false;
  readonly assembler = new LineAssembler((line) => {
    if (line.seq <= this.after) return;
    this.pending.push(line);
    if (this.pending.length > MAX_PENDING_LINES) this.pending.splice(0, this.pending.length - MAX_PENDING_LINES);
  });
  private readonly timer = setInterval(() => this.flush(), FOLLOW_FLUSH_MS);

  constructor(
    readonly name: string,
    private readonly after: number,
  ) {}

  flush(): void {
    if (this.inFlight || this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.inFlight = true;
    send({ t: 'lines', name: this.name, lines }, () => (this.inFlight = false));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface Sink {
  readonly file: RotatingLogFile;
  readonly stamp: ((date: Date) => string) | null;
  /** Whole lines only (a shared or stamped file). */
  readonly lines: boolean;
  atLineStart: boolean;
}

/** One stream of one child. */
class Source {
  private held: Buffer | null = null;
  private readonly sinks: Sink[];
  private readonly ring: OutputRing;

  constructor(
    private readonly name: string,
    private readonly stream: LogStreamName,
    targets: readonly WriterTarget[],
    private readonly socket: Socket,
  ) {
    this.ring = ringFor(name);
    this.sinks = targets.map((t) => ({
      file: fileFor(t.path),
      stamp: t.dateFormat === null ? null : compileDateFormat(t.dateFormat),
      lines: t.shared || t.dateFormat !== null,
      atLineStart: true,
    }));
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => this.end());
  }

  private take(chunk: Buffer): void {
    const now = Date.now();
    const numbered = this.ring.push(this.stream, chunk, now);
    moved.add(this.name);
    follows.get(this.name)?.assembler.feed(numbered);
    const whole = this.sinks.some((s) => s.lines) ? this.wholeLines(chunk) : null;
    for (const sink of this.sinks) {
      if (!sink.lines) this.write(sink, [chunk], now);
      else if (whole) this.write(sink, whole, now);
    }
  }

  /** The whole lines `chunk` ends (with the start held from before), as parts; the rest is held. */
  private wholeLines(chunk: Buffer): Buffer[] | null {
    const held = this.held;
    const heldBytes = held?.length ?? 0;
    const last = chunk.lastIndexOf(NEWLINE);
    const open = last === -1 ? heldBytes + chunk.length : chunk.length - last - 1;
    if (open === 0 || open > MAX_HELD_BYTES) {
      this.held = null;
      return held ? [held, chunk] : [chunk];
    }
    if (last === -1) {
      this.held = held ? Buffer.concat([held, chunk]) : Buffer.from(chunk);
      return null;
    }
    this.held = Buffer.from(chunk.subarray(last + 1));
    const lines = chunk.subarray(0, last + 1);
    return held ? [held, lines] : [lines];
  }

  private write(sink: Sink, parts: readonly Buffer[], now: number): void {
    if (!sink.stamp) {
      sink.file.write(...parts);
      const end = parts[parts.length - 1];
      sink.atLineStart = end[end.length - 1] === NEWLINE;
      return;
    }
    // latin1 keeps every byte as it is; the prefix (ASCII or UTF-8 text in [brackets]) is made bytes the same way.
    const prefix = Buffer.from(`${sink.stamp(new Date(now))}: `, 'utf8').toString('latin1');
    const text = (parts.length === 1 ? parts[0] : Buffer.concat(parts)).toString('latin1');
    const ends = text.endsWith('\n');
    const body = ends ? text.slice(0, -1) : text;
    const stamped = (sink.atLineStart ? prefix : '') + body.split('\n').join(`\n${prefix}`) + (ends ? '\n' : '');
    sink.atLineStart = ends;
    sink.file.write(Buffer.from(stamped, 'latin1'));
  }

  /** EOF: a last line without its newline is closed, in the files and in memory. */
  private end(): void {
    if (!sources.delete(this)) return;
    if (this.ring.open(this.stream)) {
      const newline = Buffer.from('\n');
      const numbered = this.ring.push(this.stream, newline, Date.now());
      moved.add(this.name);
      follows.get(this.name)?.assembler.feed(numbered);
    }
    const rest = this.held ? Buffer.concat([this.held, Buffer.from('\n')]) : null;
    this.held = null;
    for (const sink of this.sinks) {
      if (sink.lines && rest) this.write(sink, [rest], Date.now());
      else if (!sink.lines && !sink.atLineStart) sink.file.write(Buffer.from('\n'));
      release(sink.file);
    }
    if (closing && sources.size === 0) finish();
  }
}

function tail(name: string, lines: number): string[] {
  const ring = rings.get(name);
  if (!ring) return [];
  const all: LogLine[] = [];
  ring.replay(new LineAssembler((line) => all.push(line)));
  return all.slice(-Math.min(Math.max(1, lines), settings.ringLines)).map(formatTailLine);
}

function follow(name: string, after: number): void {
  follows.get(name)?.stop();
  // Memory holds the last ringLines lines (as /logs shows them): older ones are a gap, however many bytes are left.
  // after < 0: from now (the backend's view of the newest seq may be up to SEQ_REPORT_MS old).
  const newest = rings.get(name)?.seq ?? 0;
  const entry = new Follow(name, after < 0 ? newest : Math.max(after, newest - settings.ringLines));
  follows.set(name, entry);
  rings.get(name)?.replay(entry.assembler);
}

function handle(message: ToWriter, handleArg: unknown): void {
  switch (message.t) {
    case 'attach': {
      if (!handleArg) return;
      const socket = new Socket({ handle: handleArg, readable: true, writable: false } as ConstructorParameters<typeof Socket>[0]);
      sources.add(new Source(message.name, message.stream, message.targets, socket));
      return;
    }
    case 'tail':
      return send({ t: 'tail', id: message.id, lines: tail(message.name, message.lines) });
    case 'follow':
      return follow(message.name, message.after);
    case 'unfollow':
      follows.get(message.name)?.stop();
      follows.delete(message.name);
      return;
    case 'close':
      return beginClose();
  }
}

function beginClose(): void {
  if (closing) return;
  closing = true;
  if (sources.size === 0) return finish();
  // A grandchild that keeps the pipe open must not keep this process for ever.
  setTimeout(finish, DRAIN_LIMIT_MS).unref();
}

function finish(): void {
  for (const entry of follows.values()) entry.stop();
  for (const file of files.values()) file.close();
  process.exit(0);
}

process.on('message', (message: ToWriter, handleArg: unknown) => {
  try {
    handle(message, handleArg);
  } catch (error) {
    send({ t: 'warn', message: `log writer: ${(error as Error).message}` });
  }
});
// The backend gone (even SIGKILLed): its children die by their lifelines; write what they still send, then leave.
process.on('disconnect', beginClose);
// Detached from the terminal, but a stray signal must not cut children's pipes mid-stop.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(signal, beginClose);
// Dying would cut every child's stdout (SIGPIPE): report and go on.
process.on('uncaughtException', (error) => send({ t: 'warn', message: `log writer: ${error.stack ?? error.message}` }));
