import { BadRequestException, Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { EventRecorder } from '../application/event-recorder.service.js';
import type { StoredEvent } from '../domain/stored-event.js';
import { EventStreamsRegistry } from './event-streams.registry.js';

export const SSE_HEARTBEAT_MS = Symbol('SseHeartbeatMs');
const REPLAY_PAGE = 500;

interface HijackableReply {
  readonly raw: ServerResponse;
  hijack(): void;
}

/**
 * `GET /api/events`: lifecycle events as Server-Sent Events, in id order. With
 * `Last-Event-ID` the stream first replays what the store kept after that id.
 */
@Controller('events')
export class EventsController {
  constructor(
    private readonly recorder: EventRecorder,
    private readonly streams: EventStreamsRegistry,
    @Inject(SSE_HEARTBEAT_MS) private readonly heartbeatMs: number,
  ) {}

  @Get()
  stream(@Headers('last-event-id') lastEventId: string | undefined, @Res() reply: HijackableReply): void {
    const resumeAfter = parseLastEventId(lastEventId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n\n`);
    let lastSent = resumeAfter ?? 0;
    const send = (event: StoredEvent) => {
      if (event.id !== 0 && event.id <= lastSent) return;
      if (event.id !== 0) lastSent = event.id;
      res.write(`${event.id ? `id: ${event.id}\n` : ''}event: process\ndata: ${JSON.stringify(event)}\n\n`);
    };
    // Subscribe before replaying, so nothing written meanwhile falls between the two.
    const pending: StoredEvent[] = [];
    let replaying = true;
    const unsubscribe = this.recorder.subscribe((event) => (replaying ? pending.push(event) : send(event)));
    if (resumeAfter !== null) {
      for (let batch = this.recorder.since(resumeAfter, REPLAY_PAGE); batch.length > 0; ) {
        batch.forEach(send);
        batch = batch.length < REPLAY_PAGE ? [] : this.recorder.since(lastSent, REPLAY_PAGE);
      }
    }
    replaying = false;
    pending.forEach(send);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), this.heartbeatMs);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      forget();
      if (!res.writableEnded) res.end();
    };
    const forget = this.streams.add(close);
    res.on('close', close);
  }
}

function parseLastEventId(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^\d{1,15}$/.test(value)) throw new BadRequestException('Last-Event-ID must be a whole number');
  return Number(value);
}
