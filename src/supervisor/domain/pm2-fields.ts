// How each key of PM2's app schema (lib/API/schema.json in Unitech/pm2, plus `autostart` and
// `stop_exit_codes` from its documentation) is treated here. Honoured keys are read by
// process-entry.parser.ts; the others are listed so that none is silently dropped.

/** Keys accepted with no effect here: one warning line each at start (and at a reload). */
export const PM2_WARNED_FIELDS: Readonly<Record<string, string>> = {
  log_type: 'procguard\'s log files have their own format',
  disable_logs: 'procguard always keeps (rotated, bounded) output logs',
  // PM2's aliases of the pid file field (schema.json "alias").
  pid_file: 'procguard keeps its children in its own registry',
  pid: 'procguard keeps its children in its own registry',
  listen_timeout: 'it applies only with "wait_ready: true"',
  watch_options: 'procguard sets the watcher\'s options itself (symlinks never followed, node_modules and the data directory ignored)',
  namespace: 'procguard has no namespaces',
  name_prefix: 'names are used as given',
  append_env_to_name: 'names are used as given',
  filter_env: 'the environment passed to children is not filtered',
  vizion: 'a PM2 / Keymetrics (APM) feature',
  pmx: 'a PM2 / Keymetrics (APM) feature',
  automation: 'a PM2 / Keymetrics (APM) feature',
  trace: 'a PM2 / Keymetrics (APM) feature',
  disable_trace: 'a PM2 / Keymetrics (APM) feature',
  v8: 'a PM2 / Keymetrics (APM) feature',
  event_loop_inspector: 'a PM2 / Keymetrics (APM) feature',
  deep_monitoring: 'a PM2 / Keymetrics (APM) feature',
  io: 'a PM2 / Keymetrics (APM) feature',
  post_update: 'a PM2 / Keymetrics (APM) feature',
  source_map_support: 'PM2 injects source-map-support; procguard runs the script as it is',
  disable_source_map_support: 'PM2 injects source-map-support; procguard runs the script as it is',
  force: 'a process is declared once, by name',
  windowsHide: 'a Windows setting',
  kill_retry_time: 'procguard stops with the stop signal, then SIGKILL after kill_timeout',
  write: 'a PM2 CLI setting',
  install_url: 'a PM2 CLI setting',
  username: 'a PM2 CLI setting',
  execute_command: 'a PM2 CLI setting',
};

/** Top-level keys of an ecosystem file accepted with no effect. */
export const PM2_WARNED_TOP_LEVEL_FIELDS: Readonly<Record<string, string>> = {
  deploy: 'procguard does not deploy (pm2 deploy); the processes are read, the recipes are not',
};

/**
 * Keys refused as a config error: accepting them would run the process differently from
 * what the file asks, in a way that matters (another user, a restart that never comes).
 * The value, when given, is the only one accepted (it asks for what happens anyway).
 */
export const PM2_REFUSED_FIELDS: Readonly<Record<string, { readonly reason: string; readonly accepts?: unknown }>> = {
  uid: { reason: 'running a process as another user is not supported; run procguard as that user' },
  gid: { reason: 'running a process as another group is not supported; run procguard as that user' },
  user: { reason: 'running a process as another user is not supported; run procguard as that user' },
  shutdown_with_message: { reason: 'stopping with process.send(\'shutdown\') is not supported; the process gets its stop signal', accepts: false },
  treekill: { reason: 'false is not supported: procguard always stops the whole process group', accepts: true },
};
