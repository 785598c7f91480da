import { BadRequestException, Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ProcessManager } from '../../supervisor/application/process-manager.service.js';
import { isProcessName } from '../../supervisor/domain/process-name.js';
import { instancesHint } from '../../supervisor/presentation/instances-hint.js';
import { EventRecorder } from '../application/event-recorder.service.js';
import type { StoredEvent } from '../domain/stored-event.js';

const MAX_LIMIT = 500;

/**
 * `GET /api/processes/:name/history?limit=&before=`: newest first, paged by event id.
 * A name that is neither declared nor in the store is a 404, whatever the page.
 */
@Controller('processes')
export class HistoryController {
  constructor(
    private readonly recorder: EventRecorder,
    private readonly manager: ProcessManager,
  ) {}

  @Get(':name/history')
  history(
    @Param('name') name: string,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
  ): { name: string; events: StoredEvent[]; nextBefore: number | null } {
    if (!isProcessName(name)) throw new BadRequestException(`"${name.slice(0, 80)}" is not a valid process name`);
    const size = wholeNumber('limit', limit, 50, 1, MAX_LIMIT);
    const beforeId = before === undefined ? undefined : wholeNumber('before', before, 0, 1, Number.MAX_SAFE_INTEGER);
    const events = this.recorder.page(name, size, beforeId);
    const unknown = events.length === 0 && !this.manager.has(name) && (beforeId === undefined || this.recorder.page(name, 1).length === 0);
    if (unknown) {
      throw new NotFoundException(`No process named "${name}" is declared or has history${instancesHint(this.manager, name)}`);
    }
    return { name, events, nextBefore: events.length === size ? events[events.length - 1].id : null };
  }
}

function wholeNumber(field: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new BadRequestException(`"${field}" must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}
