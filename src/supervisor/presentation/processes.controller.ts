import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Query,
  Res,
  ServiceUnavailableException,
  UseFilters,
  UseGuards,
  type PipeTransform,
} from '@nestjs/common';
import { SETTINGS, type ProcguardSettings } from '../../config/settings.js';
import { nodeResponse, takeOverResponse, type PlatformReply } from '../../history/presentation/raw-response.js';
import { TRUNCATED_LINE } from '../application/ports/output-store.port.js';
import { ProcessManager } from '../application/process-manager.service.js';
import { isProcessName } from '../domain/process-name.js';
import type { ProcessStatus } from '../application/process-status.js';
import { LogStream } from './log-stream.js';
import { LogStreamsRegistry } from './log-streams.registry.js';
import type { RollOutcome } from '../application/rolling-restart.js';
import { MutationAuthGuard } from './mutation-auth.guard.js';
import { SupervisorErrorFilter } from './supervisor-error.filter.js';

const MAX_LOG_LINES = 500;

class ProcessNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isProcessName(value)) throw new BadRequestException(`"${value.slice(0, 80)}" is not a valid process name`);
    return value;
  }
}

class LinesPipe implements PipeTransform<string | undefined, number> {
  transform(value: string | undefined): number {
    if (value === undefined || value === '') return 100;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_LOG_LINES) {
      throw new BadRequestException(`"lines" must be a whole number from 1 to ${MAX_LOG_LINES}`);
    }
    return Number(value);
  }
}

/** `lines` of the log stream: how many held lines to send first (0: live only). */
class BacklogPipe implements PipeTransform<string | undefined, number> {
  transform(value: string | undefined): number {
    if (value === undefined || value === '') return 0;
    if (!/^\d+$/.test(value) || Number(value) > MAX_LOG_LINES) {
      throw new BadRequestException(`"lines" must be a whole number from 0 to ${MAX_LOG_LINES}`);
    }
    return Number(value);
  }
}

/** Unsent bytes one log stream may hold before it waits for the client. */
const LOG_STREAM_MAX_BUFFERED_BYTES = 256 * 1024;

/** `/api/processes`: only names declared in the process config; no request ever supplies a command. */
@Controller('processes')
@UseFilters(SupervisorErrorFilter)
export class ProcessesController {
  private readonly logger = new Logger('LogStream');
  constructor(
    private readonly manager: ProcessManager,
    private readonly streams: LogStreamsRegistry,
    @Inject(SETTINGS) private readonly settings: ProcguardSettings,
  ) {}

  @Get()
  list(): { processes: ProcessStatus[] } {
    return { processes: this.manager.statusAll('*') };
  }

  @Get(':name')
  get(@Param('name', ProcessNamePipe) name: string): ProcessStatus {
    return this.manager.status(name);
  }

  /** At most the ring's bytes per process (256 KiB); `truncated` says some lines were cut in memory. */
  @Get(':name/logs')
  async logs(@Param('name', ProcessNamePipe) name: string, @Query('lines', LinesPipe) lines: number) {
    const kept = await this.manager.tail(name, lines);
    return { name, lines: kept, truncated: kept.some((line) => TRUNCATED_LINE.test(line)) };
  }

  /**
   * A process's output as Server-Sent Events (`event: log`, id = the line's seq): the last
   * `lines` held lines, then live. `Last-Event-ID` resumes after that seq; `event: gap` says
   * how many lines memory no longer held.
   */
  @Get(':name/logs/stream')
  logStream(
    @Param('name', ProcessNamePipe) name: string,
    @Query('lines', BacklogPipe) lines: number,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: PlatformReply,
  ): void {
    const resumeAfter = parseSeq(lastEventId);
    if (this.streams.size >= this.settings.SSE_MAX_STREAMS) {
      nodeResponse(reply).setHeader('retry-after', '5');
      throw new ServiceUnavailableException(
        `Too many log streams are open (SSE_MAX_STREAMS=${this.settings.SSE_MAX_STREAMS}); try again later`,
      );
    }
    // Before the response is taken over, so an unknown name is still a 404.
    this.manager.status(name);
    const stream = new LogStream(
      takeOverResponse(reply),
      (from, onLine) => this.manager.followOutput(name, from, onLine),
      {
        heartbeatMs: this.settings.SSE_HEARTBEAT_MS,
        maxBufferedBytes: LOG_STREAM_MAX_BUFFERED_BYTES,
        slowClientTimeoutMs: this.settings.SSE_SLOW_CLIENT_TIMEOUT_MS,
      },
    );
    const forget = this.streams.add(() => stream.close());
    stream.onClose((how) => {
      forget();
      if (how === 'dropped') {
        this.logger.warn(
          `Dropped a slow log stream client of "${name}": it read nothing for ${this.settings.SSE_SLOW_CLIENT_TIMEOUT_MS} ms ` +
            `with ${LOG_STREAM_MAX_BUFFERED_BYTES} bytes waiting; it can resume with Last-Event-ID`,
        );
      }
    });
    const from = resumeAfter !== null ? this.manager.resumePoint(name, resumeAfter) : lines > 0 ? this.manager.outputStart(name, lines) : 'now';
    stream.start(from);
  }

  @Post(':name/start')
  @HttpCode(200)
  @UseGuards(MutationAuthGuard)
  start(@Param('name', ProcessNamePipe) name: string): Promise<ProcessStatus> {
    return this.manager.operatorStart(name);
  }

  @Post(':name/stop')
  @HttpCode(200)
  @UseGuards(MutationAuthGuard)
  stop(@Param('name', ProcessNamePipe) name: string): Promise<ProcessStatus> {
    return this.manager.operatorStop(name);
  }

  @Post(':name/restart')
  @HttpCode(200)
  @UseGuards(MutationAuthGuard)
  restart(@Param('name', ProcessNamePipe) name: string): Promise<ProcessStatus> {
    return this.manager.operatorRestart(name);
  }

  /**
   * `:name` is a spec (`web`, not `web-1`). Answers when the roll ends: 200 when every live
   * instance was replaced and ready, 409 with the same outcome when a replacement was not.
   */
  @Post(':name/rolling-restart')
  @HttpCode(200)
  @UseGuards(MutationAuthGuard)
  async rollingRestart(
    @Param('name', ProcessNamePipe) name: string,
    @Res({ passthrough: true }) reply: { status(code: number): unknown },
  ): Promise<RollOutcome> {
    const outcome = await this.manager.rollingRestart(name);
    if (!outcome.ok) reply.status(409);
    return outcome;
  }
}

/** An absent or empty header: no resume. Anything but a whole number is a 400. */
function parseSeq(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^\d{1,15}$/.test(value)) throw new BadRequestException('Last-Event-ID must be a whole number');
  return Number(value);
}
