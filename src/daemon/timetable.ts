// When each job runs next (pure: the caller gives the time). A job whose time has come is due once, however many
// of its slots passed meanwhile (a machine that slept through three hourly slots takes one backup, not three).
import { type Job, nextSlot, sameTiming } from './jobs.js';

export interface Due {
  job: Job;
  /** The slot this run stands for (ms): the last one that passed. */
  slot: number;
}

interface Entry {
  job: Job;
  /** The next slot, and when it runs: the slot plus this slot's random delay. */
  slot: number | null;
  at: number | null;
}

export class Timetable {
  private entries = new Map<string, Entry>();

  /** `random` in [0, 1) picks each slot's delay (injected so tests are deterministic). */
  constructor(private readonly random: () => number = Math.random) {}

  /** Sets the jobs (at start and on reload): a job whose timing did not change keeps its next time. */
  setJobs(jobs: Job[], now: number): void {
    const next = new Map<string, Entry>();
    for (const job of jobs) {
      const old = this.entries.get(job.key);
      next.set(job.key, old && sameTiming(old.job, job) ? { ...old, job } : this.schedule(job, now));
    }
    this.entries = next;
  }

  jobs(): Job[] {
    return [...this.entries.values()].map((e) => e.job);
  }

  /** The jobs whose run time is at or before `now`, each once; their next slot is the first after `now`. */
  due(now: number): Due[] {
    const out: Due[] = [];
    for (const [key, e] of this.entries) {
      if (e.at === null || e.at > now) continue;
      out.push({ job: e.job, slot: e.slot! });
      this.entries.set(key, this.schedule(e.job, now));
    }
    return out;
  }

  /** The earliest next run time, or null when no job has one. */
  nextAt(): number | null {
    let min: number | null = null;
    for (const e of this.entries.values()) if (e.at !== null && (min === null || e.at < min)) min = e.at;
    return min;
  }

  /** When this job runs next (ms), or null. */
  nextOf(key: string): number | null {
    return this.entries.get(key)?.at ?? null;
  }

  private schedule(job: Job, after: number): Entry {
    const slot = nextSlot(job, after);
    const delay = job.randomDelayMs > 0 ? Math.floor(this.random() * job.randomDelayMs) : 0;
    return { job, slot, at: slot === null ? null : slot + delay };
  }
}
