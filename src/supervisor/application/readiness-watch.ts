import type { InstanceSpec } from '../domain/process-spec.js';
import type { ChildHandle } from './ports/process-launcher.port.js';
import type { IReadinessProbe, ResolvedProbeTarget } from './ports/readiness-probe.port.js';

export interface ReadinessHandlers {
  onReady(): void;
  /** `threshold` consecutive failures after the start-up grace. */
  onFailed(failures: number, child: ChildHandle): void;
  /** Each check's duration in seconds and outcome (for the metrics). */
  onChecked?(seconds: number, ok: boolean): void;
}

/** Before the first success the probe runs this often, so readiness is seen quickly. */
const EAGER_INTERVAL_MS = 50;

/** Runs an instance's readiness probe on its interval while one child lives. */
export class ReadinessWatch {
  private child: ChildHandle | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly instance: InstanceSpec,
    private readonly probe: IReadinessProbe,
    private readonly now: () => number,
    private readonly handlers: ReadinessHandlers,
  ) {}

  /** @returns false when the spec declares no probe (ready at once). */
  begin(child: ChildHandle): boolean {
    const target = resolveTarget(this.instance);
    if (!target) return false;
    this.end();
    this.child = child;
    const spec = this.instance.spec.readiness;
    const startedAt = this.now();
    let failures = 0;
    let ready = false;
    const tick = async () => {
      const began = performance.now();
      const ok = await this.probe.check(target, spec.timeoutMs);
      if (this.child !== child) return;
      this.handlers.onChecked?.((performance.now() - began) / 1000, ok);
      if (ok) {
        failures = 0;
        if (!ready) {
          ready = true;
          this.handlers.onReady();
        }
      } else if (this.now() - startedAt >= spec.startupGraceMs) {
        failures += 1;
        if (failures >= spec.failureThreshold) {
          this.end();
          this.handlers.onFailed(failures, child);
          return;
        }
      }
      this.schedule(tick, ready ? spec.intervalMs : Math.min(spec.intervalMs, EAGER_INTERVAL_MS));
    };
    this.schedule(tick, Math.min(spec.intervalMs, EAGER_INTERVAL_MS));
    return true;
  }

  end(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.child = null;
  }

  private schedule(tick: () => Promise<void>, ms: number): void {
    this.timer = setTimeout(() => void tick(), ms);
    this.timer.unref?.();
  }
}

export function resolveTarget(instance: InstanceSpec): ResolvedProbeTarget | null {
  const target = instance.spec.readiness.target;
  if (target.kind === 'none') return null;
  if (target.kind === 'tcp') {
    const port = target.port ?? instance.port;
    return port === null ? null : { kind: 'tcp', host: target.host, port };
  }
  return { kind: 'http', url: target.url.replaceAll('{port}', String(instance.port ?? '')) };
}
