import { BadRequestException, Controller, Get, Headers, Inject, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { EventRecorder } from '../application/event-recorder.service.js';
import { EventStream } from './event-stream.js';
import { EventStreamsRegistry } from './event-streams.registry.js';
import { nodeResponse, takeOverResponse, type PlatformReply } from './raw-response.js';

export const SSE_HEARTBEAT_MS = Symbol('SseHeartbeatMs');
export const SSE_LIMITS = Symbol('SseLimits');

/** How many streams may be open and how long a client may leave its buffer full. */
export interface SseLimits {
  /** SSE_MAX_STREAMS: a request past it answers 503. */
  readonly maxStreams: number;
  /** SSE_SLOW_CLIENT_TIMEOUT_MS: a client that reads nothing of a full buffer this long is dropped. */
  readonly slowClientTimeoutMs: number;
}

/** Unsent bytes one stream may hold; past it, it reads from the store only once the client has read. */
export const SSE_MAX_BUFFERED_BYTES = 256 * 1024;
const REPLAY_PAGE = 500;

/**
 * `GET /api/events`: lifecycle events as Server-Sent Events, in id order. With
 * `Last-Event-ID` the stream first replays what the store kept after that id.
 */
@Controller('events')
export class EventsController {
  private readonly logger = new Logger('EventStream');

  constructor(
    private readonly recorder: EventRecorder,
    private readonly streams: EventStreamsRegistry,
    @Inject(SSE_HEARTBEAT_MS) private readonly heartbeatMs: number,
    @Inject(SSE_LIMITS) private readonly limits: SseLimits,
  ) {}

  @Get()
  stream(@Headers('last-event-id') lastEventId: string | undefined, @Res() reply: PlatformReply): void {
    const resumeAfter = parseLastEventId(lastEventId);
    if (this.streams.size >= this.limits.maxStreams) {
      // On the Node response: each platform's error answer keeps it (Fastify merges it into its own headers).
      nodeResponse(reply).setHeader('retry-after', '5');
      throw new ServiceUnavailableException(
        `Too many event streams are open (SSE_MAX_STREAMS=${this.limits.maxStreams}); try again later`,
      );
    }
    const stream = new EventStream(takeOverResponse(reply), this.recorder, {
      heartbeatMs: this.heartbeatMs,
      maxBufferedBytes: SSE_MAX_BUFFERED_BYTES,
      slowClientTimeoutMs: this.limits.slowClientTimeoutMs,
      pageSize: REPLAY_PAGE,
    });
    // Subscribed before the replay's first query, so nothing stored meanwhile falls between the two.
    const unsubscribe = this.recorder.subscribe((event) => stream.push(event));
    const forget = this.streams.add(() => stream.close());
    stream.onClose((how) => {
      unsubscribe();
      forget();
      if (how === 'dropped') {
        this.logger.warn(
          `Dropped a slow /api/events client: it read nothing for ${this.limits.slowClientTimeoutMs} ms ` +
            `with ${SSE_MAX_BUFFERED_BYTES} bytes waiting; it can resume with Last-Event-ID`,
        );
      }
    });
    stream.start(resumeAfter);
  }
}

/** An absent or empty header: live only. Anything but a whole number is a 400. */
function parseLastEventId(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^\d{1,15}$/.test(value)) throw new BadRequestException('Last-Event-ID must be a whole number');
  return Number(value);
}
