// The daemon's run queue: one at a time per repository (backups of apps sharing a repository run one after
// another, and an operation that needs the repository alone waits its turn), at most `limit` at once overall,
// first come first served, and a job already waiting or running is not added twice.

export interface Task {
  /** One task per key waits or runs at a time ("app/periodicity"). */
  key: string;
  repository: string;
  run: () => Promise<void>;
  /** Told when the task is dropped before it started (a shutdown), so whoever waits for it hears. */
  dropped?: () => void;
}

export class RunQueue {
  private waiting: Task[] = [];
  private readonly busyRepos = new Set<string>();
  private readonly keys = new Set<string>();
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private limit: number) {}

  setLimit(limit: number): void {
    this.limit = limit;
    this.pump();
  }

  /** Queues the task unless one with its key waits or runs; false when it was left out as a duplicate. */
  add(task: Task): boolean {
    if (this.keys.has(task.key)) return false;
    this.keys.add(task.key);
    this.waiting.push(task);
    this.pump();
    return true;
  }

  /** Whether a task with this key waits or runs. */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Drops the tasks that have not started (a shutdown); returns their keys. */
  dropWaiting(filter: (t: Task) => boolean = () => true): string[] {
    const dropped = this.waiting.filter(filter);
    this.waiting = this.waiting.filter((t) => !filter(t));
    for (const t of dropped) this.keys.delete(t.key);
    for (const t of dropped) t.dropped?.();
    this.settle();
    return dropped.map((t) => t.key);
  }

  get size(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running };
  }

  /** Resolves once nothing waits or runs. */
  idle(): Promise<void> {
    if (!this.waiting.length && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.limit;) {
      const t = this.waiting[i];
      if (this.busyRepos.has(t.repository)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.start(t);
    }
  }

  private start(t: Task): void {
    this.running++;
    this.busyRepos.add(t.repository);
    // A task reports its own failures (the run history, the log); the queue only keeps going.
    void t
      .run()
      .catch(() => undefined)
      .finally(() => {
        this.running--;
        this.busyRepos.delete(t.repository);
        this.keys.delete(t.key);
        this.pump();
        this.settle();
      });
  }

  private settle(): void {
    if (this.waiting.length || this.running) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}
