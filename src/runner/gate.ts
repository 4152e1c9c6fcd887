/**
 * Admission for container starts, across all functions: a start slot from one global gate sized to
 * what Docker sustains (HOTFN_MAX_CONCURRENT_STARTS), and a reservation of the container's memory
 * against HOTFN_MAX_MEMORY, held until the container is gone. When memory is short, the evictor is
 * asked to free idle containers of other functions first; otherwise the start waits, then fails Busy.
 * While other functions wait for a slot, no function holds more than its fair share of the slots
 * (the slots divided among the functions that hold or want one), so one function whose containers
 * are slow or broken cannot starve the rest.
 * @module
 */
import { Busy, FunctionFailed } from "../errors.ts";

/** A granted start: release the slot once started; release the memory once the container is gone. */
export interface Admission {
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
   * Resolves once a start slot and `memoryMiB` are reserved for function `fn` (its key: fairness is
   * per function). Rejects with Busy when that takes longer than `waitMs`, or with the signal's reason
   * when `signal` aborts. A request larger than the whole budget fails at once with FunctionFailed.
   */
  admit(fn: string, memoryMiB: number, waitMs: number, signal?: AbortSignal): Promise<Admission>;
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
  /** start slots held, per function */
  const holding = new Map<string, number>();
  /** waiting admissions (their retry) and the function each is for, oldest first */
  const waiters = new Map<() => void, string>();

  const wake = () => {
    for (const w of [...waiters.keys()]) w();
  };

  /** True unless `fn` holds its fair share of the slots while another function waits for one. */
  const fairFor = (fn: string): boolean => {
    const mine = holding.get(fn) ?? 0;
    if (mine === 0) return true;
    const wanting = new Set([...holding.keys(), ...waiters.values()]);
    const othersWait = [...waiters.values()].some((w) => w !== fn);
    return !othersWait || mine < Math.max(1, Math.floor(opts.maxStarts / wanting.size));
  };

  const tryTake = (fn: string, mib: number): boolean => {
    if (starts >= opts.maxStarts || !fairFor(fn)) return false;
    const free = opts.maxMemoryMiB - reserved;
    if (free < mib) {
      const short = mib - free - evicting;
      if (short > 0) evicting += opts.evict(short);
      return false;
    }
    starts++;
    holding.set(fn, (holding.get(fn) ?? 0) + 1);
    reserved += mib;
    return true;
  };

  const grant = (fn: string, mib: number): Admission => {
    let slotHeld = true;
    let memoryHeld = true;
    const started = () => {
      if (!slotHeld) return;
      slotHeld = false;
      starts--;
      const left = (holding.get(fn) ?? 1) - 1;
      if (left > 0) holding.set(fn, left);
      else holding.delete(fn);
      wake();
    };
    return {
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
    async admit(fn, mib, waitMs, signal) {
      // Not Busy: no wait would help, so callers (and async retries) must not come back for it.
      if (mib > opts.maxMemoryMiB) throw new FunctionFailed(`function needs ${mib} MiB but hotfn may reserve at most ${opts.maxMemoryMiB} MiB (HOTFN_MAX_MEMORY)`);
      signal?.throwIfAborted();
      if (tryTake(fn, mib)) return grant(fn, mib);
      const began = performance.now();
      return new Promise<Admission>((resolve, reject) => {
        const done = () => {
          waiters.delete(attempt);
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          opts.onWait?.(performance.now() - began);
        };
        const attempt = () => {
          if (!tryTake(fn, mib)) return;
          done();
          resolve(grant(fn, mib));
        };
        // An admission that stops waiting can raise another function's fair share: the rest look again.
        const onAbort = () => {
          done();
          reject(signal?.reason);
          wake();
        };
        const timer = setTimeout(() => {
          done();
          wake();
          reject(new Busy(`no room to start a container within ${waitMs} ms (memory reserved ${reserved}/${opts.maxMemoryMiB} MiB, starts in flight ${starts}/${opts.maxStarts})`, Math.max(1, Math.ceil(waitMs / 1000))));
        }, waitMs);
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.set(attempt, fn);
      });
    },
    poke: wake,
    stats: () => ({ startsInFlight: starts, reservedMiB: reserved, waiting: waiters.size }),
  };
}
