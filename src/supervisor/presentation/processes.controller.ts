import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
  type PipeTransform,
} from '@nestjs/common';
import { TRUNCATED_LINE } from '../application/ports/output-store.port.js';
import { ProcessManager } from '../application/process-manager.service.js';
import { isProcessName } from '../domain/process-name.js';
import type { ProcessStatus } from '../application/process-status.js';
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

/** `/api/processes`: only names declared in the process config; no request ever supplies a command. */
@Controller('processes')
@UseFilters(SupervisorErrorFilter)
export class ProcessesController {
  constructor(private readonly manager: ProcessManager) {}

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
}
