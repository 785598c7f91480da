import { Logger, Module } from '@nestjs/common';
import { SETTINGS, type ProcguardSettings } from '../config/settings.js';
import type { Database } from 'better-sqlite3';
import { STORAGE_HEALTH } from '../lifecycle/application/lifecycle.tokens.js';
import type { IStorageHealth } from '../lifecycle/application/ports/storage-health.port.js';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { SQLITE_CONNECTION } from '../persistence/application/database.port.js';
import { EVENT_RETENTION, EventRecorder } from './application/event-recorder.service.js';
import { EVENT_SINKS, EVENT_STORE } from './application/ports/event-store.port.js';
import { HistoryBootstrap } from './history-bootstrap.service.js';
import { JsonLinesEventSink } from './infrastructure/json-lines-event.sink.js';
import { SqliteEventStore } from './infrastructure/sqlite-event-store.adapter.js';
import { EventStreamsRegistry } from './presentation/event-streams.registry.js';
import { EventsController, SSE_HEARTBEAT_MS, SSE_LIMITS, type SseLimits } from './presentation/events.controller.js';
import { HistoryController } from './presentation/history.controller.js';

/** The durable event log of managed processes: SQLite store, JSON-lines sink, history and SSE. */
@Module({
  imports: [LifecycleModule],
  controllers: [HistoryController, EventsController],
  providers: [
    {
      provide: EVENT_STORE,
      inject: [SQLITE_CONNECTION, STORAGE_HEALTH],
      useFactory: (db: Database, storage: IStorageHealth) => new SqliteEventStore(db, storage),
    },
    {
      provide: EVENT_SINKS,
      inject: [SETTINGS, STORAGE_HEALTH],
      useFactory: (settings: ProcguardSettings, storage: IStorageHealth) => {
        const logger = new Logger('EventLog');
        return [new JsonLinesEventSink(settings.EVENTS_FILE, undefined, { storage, log: (m) => logger.warn(m) })];
      },
    },
    { provide: EVENT_RETENTION, inject: [SETTINGS], useFactory: (s: ProcguardSettings) => s.EVENT_RETENTION },
    { provide: SSE_HEARTBEAT_MS, inject: [SETTINGS], useFactory: (s: ProcguardSettings) => s.SSE_HEARTBEAT_MS },
    {
      provide: SSE_LIMITS,
      inject: [SETTINGS],
      useFactory: (s: ProcguardSettings): SseLimits => ({ maxStreams: s.SSE_MAX_STREAMS, slowClientTimeoutMs: s.SSE_SLOW_CLIENT_TIMEOUT_MS }),
    },
    EventRecorder,
    EventStreamsRegistry,
    HistoryBootstrap,
  ],
  exports: [EventRecorder],
})
export class HistoryModule {}
