import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApplicationLifecycleService } from '../../lifecycle/application/application-lifecycle.service.js';
import { SHUTDOWN_ORDER } from '../../lifecycle/application/shutdown-sequence.js';
import { OpenStreams } from '../../history/presentation/open-streams.js';

/** Open log streams: ended before the HTTP drain, which would otherwise wait on them. */
@Injectable()
export class LogStreamsRegistry extends OpenStreams implements OnModuleInit {
  constructor(private readonly lifecycle: ApplicationLifecycleService) {
    super();
  }

  onModuleInit(): void {
    this.lifecycle.registerShutdownStep({ name: 'close log streams', order: SHUTDOWN_ORDER.closeStreams, run: () => this.closeAll() });
  }
}
