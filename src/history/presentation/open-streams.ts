/** Open SSE streams, so shutdown can end them before the HTTP drain waits on them. */
export class OpenStreams {
  private readonly open = new Set<() => void>();

  add(close: () => void): () => void {
    this.open.add(close);
    return () => this.open.delete(close);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const close of [...this.open]) close();
    this.open.clear();
  }
}
