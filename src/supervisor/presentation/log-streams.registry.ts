import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApplicationLifecycleService } from '../../lifecycle/application/application-lifecycle.service.js';
import { SHUTDOWN_ORDER } from '../../lifecycle/application/shutdown-sequence.js';

/** Open log streams: ended before the HTTP drain, which would otherwise wait on them. */
@Injectable()
export class LogStreamsRegistry implements OnModuleInit {
  private readonly open = new Set<() => void>();

  constructor(private readonly lifecycle: ApplicationLifecycleService) {}

  onModuleInit(): void {
    this.lifecycle.registerShutdownStep({ name: 'close log streams', order: SHUTDOWN_ORDER.closeStreams, run: () => this.closeAll() });
  }

  add(close: () => void): () => void {
    this.open.add(close);
    return () => this.open.delete(close);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const close of [...this.open]) close();
    this.open.clear();
  }
}
