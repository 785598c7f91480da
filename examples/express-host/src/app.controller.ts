import { Controller, Get, Query } from '@nestjs/common';
import { ProcguardSupervisor } from 'procguard';
import { AppService } from './app.service.js';

@Controller()
export class AppController {
  constructor(
    private readonly app: AppService,
    private readonly supervisor: ProcguardSupervisor,
  ) {}

  @Get()
  hello() {
    return this.app.greeting();
  }

  /** Answers after `ms` milliseconds: a request still in flight when the app is told to stop. */
  @Get('slow')
  async slow(@Query('ms') ms = '1000') {
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number(ms) || 0, 30_000)));
    return { done: true };
  }

  @Get('workers')
  workers() {
    return this.supervisor.list().map(({ name, state, pid }) => ({ name, state, pid }));
  }
}
