import { Controller, Get, HttpCode, NotFoundException, Post, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApplicationLifecycleService } from '../../lifecycle/application/application-lifecycle.service.js';
import { ReloadOutcomes, type ReloadOutcome } from '../application/reload-outcomes.js';
import { SupervisorBootstrap } from '../application/supervisor-bootstrap.service.js';
import { MutationAuthGuard } from './mutation-auth.guard.js';

/**
 * `/api/reload`: the last reload's outcome, and a reload of the process config on
 * request (the same pass as SIGHUP). A rejected file is an outcome (`ok: false`), not an HTTP error.
 */
@Controller('reload')
export class ReloadController {
  constructor(
    private readonly outcomes: ReloadOutcomes,
    private readonly supervisor: SupervisorBootstrap,
    private readonly lifecycle: ApplicationLifecycleService,
  ) {}

  @Get()
  last(): ReloadOutcome {
    const last = this.outcomes.last;
    if (!last) throw new NotFoundException('No reload has happened since this backend started');
    return last;
  }

  @Post()
  @HttpCode(200)
  @UseGuards(MutationAuthGuard)
  reload(): Promise<ReloadOutcome> {
    // As SIGHUP: a backend still starting (or a standby) or shutting down does not apply the file.
    if (!this.lifecycle.isReady) {
      throw new ServiceUnavailableException(`Not reloading: the backend is ${this.lifecycle.currentState}`);
    }
    return this.supervisor.reload('api');
  }
}
