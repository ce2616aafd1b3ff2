// The runs the HTTP API started: each has an ID at once, runs with its own AbortSignal, keeps what a late client
// needs to catch up (phases, warnings, the newest progress), tells its listeners every event, and ends in one
// terminal event (summary or error) after its record is in the run history (the audit trail).
import type { Clock } from '../clock.js';
import type { OpEvent } from '../events.js';
import { type HistoryRecord, isHousekeeping } from '../history/journal.js';

export type RunKind = 'backup' | 'restore' | 'forget' | 'prune' | 'check' | 'drill';

export interface SummaryEvent {
  type: 'summary';
  run: string;
  outcome: string;
  result: Record<string, unknown>;
}
export interface ErrorEvent {
  type: 'error';
  run: string;
  outcome: string;
  code: string;
  message: string;
}
export type TerminalEvent = SummaryEvent | ErrorEvent;
export type StreamEvent = OpEvent | TerminalEvent;

export interface RunInfo {
  id: string;
  kind: RunKind;
  app?: string;
  repository?: string;
  user: string;
  state: 'running' | 'ended';
  startedAt: string;
  outcome?: string;
}

interface LiveRun {
  info: RunInfo;
  kept: OpEvent[];
  progress?: OpEvent;
  terminal?: TerminalEvent;
  listeners: Set<(e: StreamEvent) => void>;
  controller: AbortController;
  done: Promise<void>;
}

/** Ended runs kept in memory for their event streams (older ones are read from the run history). */
const KEEP_ENDED = 200;
/** Phases and warnings kept per run for late clients. */
const KEEP_EVENTS = 1000;

export interface RunStart {
  id: string;
  kind: RunKind;
  app?: string;
  repository?: string;
  user: string;
}

/** What a run does: given where its events go and its signal, the record it ends as. */
export type RunBody = (emit: (e: OpEvent) => void, signal: AbortSignal) => Promise<HistoryRecord>;

export class RunRegistry {
  private readonly runs = new Map<string, LiveRun>();

  constructor(
    private readonly clock: Clock,
    /** Appends a record to the run history; a failure there is logged, never fails the run. */
    private readonly record: (r: HistoryRecord) => Promise<void>,
  ) {}

  /**
   * Starts `body` as a run. A body that throws at once (it could not even be queued) starts nothing: the error goes
   * to the caller. With `recorded`, the body has put its record in the history itself (the daemon's queue does).
   */
  start(s: RunStart, body: RunBody, opts: { recorded?: boolean } = {}): RunInfo {
    const info: RunInfo = { ...s, state: 'running', startedAt: new Date(this.clock.now()).toISOString() };
    const run: LiveRun = {
      info,
      kept: [],
      listeners: new Set(),
      controller: new AbortController(),
      done: Promise.resolve(),
    };
    this.runs.set(s.id, run);
    const emit = (e: OpEvent) => {
      if (e.type === 'progress') run.progress = e;
      else if (run.kept.length < KEEP_EVENTS) run.kept.push(e);
      for (const l of run.listeners) l(e);
    };
    let running: Promise<HistoryRecord>;
    try {
      running = body(emit, run.controller.signal);
    } catch (e) {
      this.runs.delete(s.id);
      throw e;
    }
    run.done = running.then(
      async (rec) => {
        if (!opts.recorded) await this.record(rec);
        this.end(run, terminalOf(rec));
      },
      (e: unknown) =>
        // The bodies turn errors into records; this is a bug, reported without its details.
        this.end(run, {
          type: 'error',
          run: s.id,
          outcome: 'failed',
          code: 'INTERNAL',
          message: `the run failed unexpectedly: ${(e as Error)?.message ?? String(e)}`,
        }),
    );
    this.trim();
    return { ...info };
  }

  get(id: string): RunInfo | undefined {
    const r = this.runs.get(id);
    return r ? { ...r.info } : undefined;
  }

  list(): RunInfo[] {
    return [...this.runs.values()].map((r) => ({ ...r.info }));
  }

  /**
   * Follows a run: `listener` is called with the events so far (phases, warnings, the newest progress; or the
   * terminal event alone once it ended), then each new one. Returns the unsubscribe function, or undefined for a
   * run this process does not know.
   */
  follow(id: string, listener: (e: StreamEvent) => void): (() => void) | undefined {
    const r = this.runs.get(id);
    if (!r) return undefined;
    if (r.terminal) {
      listener(r.terminal);
      return () => {};
    }
    for (const e of r.kept) listener(e);
    if (r.progress) listener(r.progress);
    r.listeners.add(listener);
    return () => r.listeners.delete(listener);
  }

  /** Cancels every running run and waits until each has ended (and is recorded). */
  async stop(reason: Error): Promise<void> {
    const live = [...this.runs.values()].filter((r) => r.info.state === 'running');
    for (const r of live) r.controller.abort(reason);
    await Promise.all(live.map((r) => r.done));
  }

  /** Resolves when every run started so far has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  private end(run: LiveRun, t: TerminalEvent): void {
    run.terminal = t;
    run.info.state = 'ended';
    run.info.outcome = t.outcome;
    for (const l of run.listeners) l(t);
    run.listeners.clear();
    run.kept = [];
  }

  private trim(): void {
    const ended = [...this.runs.values()].filter((r) => r.info.state === 'ended');
    for (const r of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.runs.delete(r.info.id);
  }
}

/** A history record as the terminal event of its stream (also for a run read back from the history). */
export function terminalOf(rec: HistoryRecord): TerminalEvent {
  if (rec.outcome === 'failed' || rec.outcome === 'cancelled')
    return {
      type: 'error',
      run: rec.id,
      outcome: rec.outcome,
      code: rec.error?.code ?? 'INTERNAL',
      message: rec.error?.message ?? `the run ended ${rec.outcome}`,
    };
  const result: Record<string, unknown> = isHousekeeping(rec)
    ? { op: rec.op, ...(rec.detail ?? {}) }
    : {
        snapshot: rec.snapshot,
        periodicity: rec.periodicity,
        ...(rec.bytes ?? {}),
        warnings: rec.events.warnings,
      };
  // An incomplete backup or a failed after hook saved a snapshot, and says why it is not `ok`.
  if (rec.error) result.error = rec.error;
  return { type: 'summary', run: rec.id, outcome: rec.outcome, result };
}
