/** The API's answers as the CLI reads them (it reads JSON, so it never imports the backend's classes). */
export interface ProcessStatusView {
  readonly name: string;
  readonly specName: string;
  readonly state: string;
  readonly pid: number | null;
  readonly uptimeSeconds: number | null;
  readonly restarts: number;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null; readonly at: string } | null;
  readonly reason: string | null;
  /** Sampled by the metrics slice; absent on a backend without it. */
  readonly resources?: {
    readonly cpuSeconds: number;
    readonly cpuPercent: number;
    readonly rssBytes: number;
    readonly processes: number;
    readonly sampledAt: string;
  } | null;
}

export interface StoredEventView {
  readonly id: number;
  readonly name: string;
  readonly index: number;
  readonly from: string;
  readonly to: string;
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly reason: string;
  readonly at: string;
}

export interface ReloadOutcomeView {
  readonly at: string;
  readonly source: string;
  readonly ok: boolean;
  readonly started: readonly string[];
  readonly stopped: readonly string[];
  readonly restarted: readonly string[];
  readonly unchanged: number;
  readonly error?: string;
}
