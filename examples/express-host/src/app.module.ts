import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProcguardModule } from 'procguard';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [
    // This app has its own /health, so procguard adds only its indicators.
    ProcguardModule.forRoot({ health: 'indicators', processesConfig: 'processes.yaml', readyRequires: ['worker'] }),
    TerminusModule,
  ],
  controllers: [AppController, HealthController],
  providers: [AppService],
})
export class AppModule {}
