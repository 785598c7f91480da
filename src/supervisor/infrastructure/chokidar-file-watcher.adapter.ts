import { lstatSync } from 'node:fs';
import { watch } from 'chokidar';
import type { IFileWatcher, TriggerHandle, WatchRequest } from '../application/ports/restart-trigger.port.js';

/** Directories one process's watch may hold (one inotify watch each); over it, the watch is closed and reported. */
export const MAX_WATCHED_DIRECTORIES = 2000;
/** How deep under a watched path chokidar descends. */
export const MAX_WATCH_DEPTH = 32;

export interface ChokidarWatcherOptions {
  /** Never watched, whatever the config says: the data directory (logs, database, children.json change all the time). */
  readonly alwaysIgnored: readonly string[];
  readonly maxDirectories?: number;
}

/**
 * chokidar's followSymlinks: false still watches the link itself, and inotify follows it: a
 * link to a directory outside would report every change there. A link is left out entirely.
 */
function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * PM2 `watch` on chokidar 5: symlinks are never followed (a link out of the tree stays out),
 * node_modules and the data directory are always left out, the depth and the number of
 * directories are bounded, and no event is reported for what exists when the watch begins.
 */
export class ChokidarFileWatcher implements IFileWatcher {
  constructor(private readonly options: ChokidarWatcherOptions) {}

  watch(request: WatchRequest, onChange: (path: string) => void, onProblem: (message: string) => void): TriggerHandle {
    const limit = this.options.maxDirectories ?? MAX_WATCHED_DIRECTORIES;
    const ignored = (path: string): boolean =>
      path.split('/').includes('node_modules') ||
      this.options.alwaysIgnored.some((dir) => under(path, dir)) ||
      request.ignored(path) ||
      (!request.paths.includes(path) && isSymlink(path));
    const watcher = watch([...request.paths], {
      ignoreInitial: true,
      followSymlinks: false,
      depth: MAX_WATCH_DEPTH,
      ignorePermissionErrors: true,
      persistent: false,
      ignored,
    });
    let directories = 0;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await watcher.close();
    };
    const count = (n: number) => {
      directories += n;
      if (directories <= limit || closed) return;
      onProblem(`more than ${limit} directories under ${request.paths.join(', ')}; watching stopped (narrow "watch" or add "ignore_watch" patterns)`);
      void close();
    };
    watcher.on('ready', () => count(Object.keys(watcher.getWatched()).length));
    watcher.on('addDir', () => count(1));
    watcher.on('unlinkDir', () => (directories = Math.max(0, directories - 1)));
    for (const event of ['add', 'change', 'unlink'] as const) watcher.on(event, (path: string) => !closed && onChange(path));
    watcher.on('error', (error: unknown) => onProblem((error as Error).message ?? String(error)));
    return { stop: close };
  }
}
