import { Module } from '@nestjs/common';
import { ApplicationLifecycleService } from './application/application-lifecycle.service.js';

/** The lifecycle state machine and shutdown steps every feature registers with. */
@Module({
  providers: [ApplicationLifecycleService],
  exports: [ApplicationLifecycleService],
})
export class LifecycleModule {}
