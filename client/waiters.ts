/**
 * Promises that resolve on the next value matching a predicate (`whenRendered`, `whenRun`),
 * held in one place so that each listener goes once it is satisfied, and all of them go, rejected,
 * when their owner is disposed: nothing is left registered on an emitter that outlives them.
 * No vscode import.
 */
interface Waiter<T> {
  predicate: (value: T) => boolean;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class Waiters<T> {
  private readonly waiting = new Set<Waiter<T>>();
  private disposedReason?: string;

  /** Resolves with the first value passed to `notify` that matches; `initial` is checked first. */
  wait(predicate: (value: T) => boolean, initial?: Iterable<T>): Promise<T> {
    if (this.disposedReason !== undefined) return Promise.reject(new Error(this.disposedReason));
    for (const value of initial ?? []) if (predicate(value)) return Promise.resolve(value);
    return new Promise<T>((resolve, reject) => this.waiting.add({ predicate, resolve, reject }));
  }

  notify(value: T): void {
    for (const waiter of [...this.waiting]) {
      if (!waiter.predicate(value)) continue;
      this.waiting.delete(waiter);
      waiter.resolve(value);
    }
  }

  /** Pending waits (for tests: zero once every wait has settled). */
  get size(): number {
    return this.waiting.size;
  }

  /** Rejects every pending wait with `reason` and refuses new ones. */
  dispose(reason: string): void {
    this.disposedReason = reason;
    for (const waiter of this.waiting) waiter.reject(new Error(reason));
    this.waiting.clear();
  }
}
