/**
 * Admission for container starts, across all functions: a start slot from one global gate sized to
 * what Docker sustains (HOTFN_MAX_CONCURRENT_STARTS), and a reservation of the container's memory
 * against HOTFN_MAX_MEMORY, held until the container is gone. When memory is short, the evictor is
 * asked to free idle containers of other functions first; otherwise the start waits, then fails Busy.
 * @module
 */
import { Busy, FunctionFailed } from "../errors.ts";

/** A granted start: release the slot once started; release the memory once the container is gone. */
export interface Admission {
  readonly memoryMiB: number;
  /** Frees the start slot. Idempotent. */
  started(): void;
  /** Frees the start slot (if still held) and the memory. Idempotent. */
  release(): void;
}

/** Frees idle containers (least recently used first) until about `neededMiB` is on its way back; returns MiB it will free. */
export type Evictor = (neededMiB: number) => number;

export interface GateStats {
  startsInFlight: number;
  reservedMiB: number;
  waiting: number;
}

export interface StartGate {
  /**
   * Resolves once a start slot and `memoryMiB` are reserved. Rejects with Busy when that takes longer
   * than `waitMs`, or with the signal's reason when `signal` aborts. A request larger than the whole
   * budget fails at once with FunctionFailed.
   */
  admit(memoryMiB: number, waitMs: number, signal?: AbortSignal): Promise<Admission>;
  /** Something became evictable (a container went idle): waiting admissions try again. */
  poke(): void;
  stats(): GateStats;
}

export interface GateOptions {
  maxStarts: number;
  maxMemoryMiB: number;
  evict: Evictor;
  /** called with how long an admission waited, for metrics */
  onWait?: (ms: number) => void;
}

export function createStartGate(opts: GateOptions): StartGate {
  let starts = 0;
  let reserved = 0;
  /** MiB that evictions already promised to free; not evicted for twice */
  let evicting = 0;
  const waiters = new Set<() => void>();

  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const tryTake = (mib: number): boolean => {
    if (starts >= opts.maxStarts) return false;
    const free = opts.maxMemoryMiB - reserved;
    if (free < mib) {
      const short = mib - free - evicting;
      if (short > 0) evicting += opts.evict(short);
      return false;
    }
    starts++;
    reserved += mib;
    return true;
  };

  const grant = (mib: number): Admission => {
    let slotHeld = true;
    let memoryHeld = true;
    const started = () => {
      if (!slotHeld) return;
      slotHeld = false;
      starts--;
      wake();
    };
    return {
      memoryMiB: mib,
      started,
      release() {
        started();
        if (!memoryHeld) return;
        memoryHeld = false;
        reserved -= mib;
        evicting = Math.max(0, evicting - mib);
        wake();
      },
    };
  };

  return {
    async admit(mib, waitMs, signal) {
      // Not Busy: no wait would help, so callers (and async retries) must not come back for it.
      if (mib > opts.maxMemoryMiB) throw new FunctionFailed(`function needs ${mib} MiB but hotfn may reserve at most ${opts.maxMemoryMiB} MiB (HOTFN_MAX_MEMORY)`);
      signal?.throwIfAborted();
      if (tryTake(mib)) return grant(mib);
      const began = performance.now();
      return new Promise<Admission>((resolve, reject) => {
        const done = () => {
          waiters.delete(attempt);
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          opts.onWait?.(performance.now() - began);
        };
        const attempt = () => {
          if (!tryTake(mib)) return;
          done();
          resolve(grant(mib));
        };
        const onAbort = () => {
          done();
          reject(signal?.reason);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Busy(`no room to start a container within ${waitMs} ms (memory reserved ${reserved}/${opts.maxMemoryMiB} MiB, starts in flight ${starts}/${opts.maxStarts})`, Math.max(1, Math.ceil(waitMs / 1000))));
        }, waitMs);
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.add(attempt);
      });
    },
    poke: wake,
    stats: () => ({ startsInFlight: starts, reservedMiB: reserved, waiting: waiters.size }),
  };
}
