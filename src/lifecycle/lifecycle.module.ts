import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ApplicationLifecycleService } from './application/application-lifecycle.service.js';
import { HealthController } from './presentation/health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ApplicationLifecycleService],
  exports: [ApplicationLifecycleService],
})
export class LifecycleModule {}
