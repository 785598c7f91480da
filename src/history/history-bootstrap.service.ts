import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ApplicationLifecycleService } from '../lifecycle/application/application-lifecycle.service.js';
import { INSTANCE_ID } from '../lifecycle/application/lifecycle.tokens.js';
import { SHUTDOWN_ORDER } from '../lifecycle/application/shutdown-sequence.js';
import { ProcessManager } from '../supervisor/application/process-manager.service.js';
import { describeReload, ReloadOutcomes } from '../supervisor/application/reload-outcomes.js';
import { EventRecorder } from './application/event-recorder.service.js';
import { EVENT_SINKS, type IEventSink } from './application/ports/event-store.port.js';
import { RELOAD_EVENT_NAME } from './domain/stored-event.js';
import { EventStreamsRegistry } from './presentation/event-streams.registry.js';

/**
 * Connects the event log before any process starts (module init runs before the
 * supervisor's bootstrap), and orders its shutdown: end SSE streams before the
 * HTTP drain, write the last events after the agents stopped, before the database closes.
 */
@Injectable()
export class HistoryBootstrap implements OnModuleInit {
  constructor(
    private readonly manager: ProcessManager,
    private readonly recorder: EventRecorder,
    private readonly streams: EventStreamsRegistry,
    private readonly lifecycle: ApplicationLifecycleService,
    @Inject(EVENT_SINKS) private readonly sinks: IEventSink[],
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly reloads: ReloadOutcomes,
  ) {}

  onModuleInit(): void {
    this.manager.onEvent((event) => this.recorder.record({ ...event, backendInstanceId: this.instanceId }));
    this.reloads.onOutcome((outcome) =>
      this.recorder.record({
        name: RELOAD_EVENT_NAME,
        index: 0,
        from: 'reload',
        to: outcome.ok ? 'succeeded' : 'failed',
        pid: null,
        exitCode: null,
        signal: null,
        reason: `${outcome.source}: ${describeReload(outcome)}`,
        at: outcome.at,
        backendInstanceId: this.instanceId,
      }),
    );
    this.lifecycle.registerShutdownStep({
      name: 'close event streams',
      order: SHUTDOWN_ORDER.closeStreams,
      run: () => this.streams.closeAll(),
    });
    this.lifecycle.registerShutdownStep({
      name: 'flush event log',
      order: SHUTDOWN_ORDER.flushEvents,
      run: () => {
        this.recorder.flush();
        for (const sink of this.sinks) (sink as IEventSink & { close?: () => void }).close?.();
        // The store is still failing (a full disk): what waits in memory goes with this process. Say so.
        const lost = this.recorder.backlogSize;
        if (lost > 0) throw new Error(`${lost} event(s) could not be written to the database (disk full or failing) and are lost`);
      },
    });
  }
}
