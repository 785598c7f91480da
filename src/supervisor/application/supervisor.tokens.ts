/** Injection tokens of the supervisor feature's ports. */
export const PROCESS_LAUNCHER = Symbol('IProcessLauncher');
export const READINESS_PROBE = Symbol('IReadinessProbe');
export const OUTPUT_STORE = Symbol('IOutputStore');
export const CHILD_REGISTRY = Symbol('IChildRegistry');
/** The validated process specs read at start (ProcessSpec[]). */
export const PROCESS_SPECS = Symbol('ProcessSpecs');
/** Reads and validates the process config again (for SIGHUP reloads). */
export const PROCESS_CONFIG_SOURCE = Symbol('IProcessConfigSource');
/** Reconciler period in ms. */
export const RECONCILE_INTERVAL = Symbol('ReconcileIntervalMs');
/** Finds processes earlier backends of this data directory left (IStrayProcessFinder). */
export const STRAY_PROCESS_FINDER = Symbol('IStrayProcessFinder');
/** The per-instance CPU and memory sampler (ResourceSampler), shared by the status, max_memory_restart and the metrics. */
export const RESOURCE_SAMPLER = Symbol('ResourceSampler');
/** Readiness probe checks as they happen (ProbeObservations), for the metrics. */
export const PROBE_OBSERVATIONS = Symbol('ProbeObservations');

/** Runs cron_restart schedules (ICronScheduler). */
export const CRON_SCHEDULER = Symbol('ICronScheduler');
/** Watches files for PM2 `watch` (IFileWatcher). */
export const FILE_WATCHER = Symbol('IFileWatcher');
