import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { packageVersion } from '../cli/package-version.js';
import { EventRecorder } from '../history/application/event-recorder.service.js';
import { HELD_LOCK, INSTANCE_ID, INSTANCE_LOCK_MANAGER } from '../lifecycle/application/lifecycle.tokens.js';
import type { IInstanceLockManager } from '../lifecycle/application/ports/instance-lock-manager.port.js';
import { ProcessManager } from '../supervisor/application/process-manager.service.js';
import type { ProbeObservations } from '../supervisor/application/probe-observations.js';
import { PROBE_OBSERVATIONS } from '../supervisor/application/supervisor.tokens.js';
import { HTTP_REQUEST_OBSERVER, METRICS_EXPOSITION } from './application/metrics.tokens.js';
import { PrometheusMetrics } from './infrastructure/prometheus-metrics.js';
import { MetricsController } from './presentation/metrics.controller.js';

const PROMETHEUS_METRICS = Symbol('PrometheusMetrics');

/** A provider of another feature, or null when that feature is off. */
function optional<T>(refs: ModuleRef, token: unknown): T | null {
  try {
    return refs.get(token as symbol, { strict: false }) as T;
  } catch {
    return null;
  }
}

/**
 * `GET /metrics` (Prometheus) and the HTTP request observer the server registers on its
 * platform. Reads the supervisor, the event log and the lock when those features are on.
 */
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: PROMETHEUS_METRICS,
      inject: [
        ModuleRef,
        INSTANCE_ID,
        { token: HELD_LOCK, optional: true },
        { token: INSTANCE_LOCK_MANAGER, optional: true },
        { token: ProcessManager, optional: true },
        { token: PROBE_OBSERVATIONS, optional: true },
      ],
      useFactory: (
        refs: ModuleRef,
        instanceId: string,
        heldLock: unknown,
        lockManager: IInstanceLockManager | undefined,
        manager: ProcessManager | undefined,
        probes: ProbeObservations | undefined,
      ) => {
        // The history module is not global: looked up at scrape time, when every module exists.
        let recorder: EventRecorder | null | undefined;
        return new PrometheusMetrics({
          version: versionOrUnknown(),
          instanceId,
          lockHeld: () => {
            const shared = lockManager?.status?.();
            return shared ? shared.role === 'active' : heldLock !== null && heldLock !== undefined;
          },
          processes: manager ?? null,
          probes: probes ?? null,
          eventsWritten: () => (recorder ??= optional<EventRecorder>(refs, EventRecorder))?.writtenCount ?? null,
        });
      },
    },
    { provide: METRICS_EXPOSITION, useExisting: PROMETHEUS_METRICS },
    { provide: HTTP_REQUEST_OBSERVER, useExisting: PROMETHEUS_METRICS },
  ],
  exports: [HTTP_REQUEST_OBSERVER],
})
export class MetricsModule implements OnModuleDestroy {
  constructor(@Inject(PROMETHEUS_METRICS) private readonly metrics: PrometheusMetrics) {}

  onModuleDestroy(): void {
    this.metrics.close();
  }
}

/** A label is no reason to refuse to start: a copied or stripped package.json gives "unknown". */
function versionOrUnknown(): string {
  try {
    // Same depth from the package root as src/cli/ and dist/cli/.
    return packageVersion(new URL('../../package.json', import.meta.url));
  } catch {
    return 'unknown';
  }
}
