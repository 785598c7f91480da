import { watch, type FSWatcher } from 'chokidar';

/** What changed in one batch of saves. */
export interface SourceChanges {
  readonly changed: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Editors write a save as several events (temp file, rename, chmod): one batch for all of them. */
const SETTLE_MS = 30;
const SOURCE = /\.[cm]?tsx?$/;
const DECLARATION = /\.d\.[cm]?ts$/;

/**
 * Watches the source directories for saved TypeScript files and reports each settled batch
 * once. A batch that arrives while the previous one is still being handled waits for it, so
 * the handler never runs twice at once.
 */
export class SourceWatch {
  private watcher: FSWatcher | null = null;
  private pending = { changed: new Set<string>(), added: new Set<string>(), removed: new Set<string>() };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly dirs: readonly string[],
    private readonly onChanges: (changes: SourceChanges) => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Resolves once the initial scan is done: a save after that is seen. */
  start(): Promise<void> {
    const watcher = watch([...this.dirs], {
      ignoreInitial: true,
      ignored: (path, stats) => path.includes('/node_modules/') || (stats?.isFile() === true && (!SOURCE.test(path) || DECLARATION.test(path))),
    });
    this.watcher = watcher;
    watcher.on('add', (path) => this.note('added', path));
    watcher.on('change', (path) => this.note('changed', path));
    watcher.on('unlink', (path) => this.note('removed', path));
    watcher.on('error', (error) => this.onError(error as Error));
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.watcher?.close();
    this.watcher = null;
  }

  private note(kind: 'changed' | 'added' | 'removed', path: string): void {
    if (!SOURCE.test(path) || DECLARATION.test(path)) return;
    for (const set of Object.values(this.pending)) set.delete(path);
    this.pending[kind].add(path);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SETTLE_MS);
  }

  private flush(): void {
    this.timer = null;
    const batch = { changed: [...this.pending.changed], added: [...this.pending.added], removed: [...this.pending.removed] };
    this.pending = { changed: new Set(), added: new Set(), removed: new Set() };
    this.running = this.running.then(() => this.onChanges(batch)).catch((error: Error) => this.onError(error));
  }
}
