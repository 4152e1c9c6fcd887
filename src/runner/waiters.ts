/**
 * The calls waiting for a container of one function: two FIFO queues (sync callers are served
 * before async work), each waiter with its own bound (Busy when no container came in time) and the
 * caller's abort. Leaving the queue — served, rejected, timed out, aborted — happens in one place.
 * @module
 */
import { Busy } from "../errors.ts";
import type { Invocation } from "./types.ts";

export interface Waiter<T> {
  readonly enqueuedAt: number;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export interface WaitQueueOptions {
  /** how long a call may wait before it fails Busy */
  maxWaitMs: number;
  /** names the function in the Busy message */
  functionName: string;
  /** told when a waiter is served, with how long it waited */
  onServed(ms: number, priority: Invocation["priority"]): void;
}

export class WaitQueue<T> {
  private readonly sync: Waiter<T>[] = [];
  private readonly async: Waiter<T>[] = [];

  constructor(private readonly opts: WaitQueueOptions) {}

  get size(): number {
    return this.sync.length + this.async.length;
  }

  /** The next waiter to serve (sync first), still in the queue until resolved or rejected. */
  next(): Waiter<T> | undefined {
    return this.sync[0] ?? this.async[0];
  }

  /** When the longest-waiting call joined (performance.now() clock), or `now` with none waiting. */
  oldestSince(now: number): number {
    return Math.min(this.sync[0]?.enqueuedAt ?? now, this.async[0]?.enqueuedAt ?? now);
  }

  all(): Waiter<T>[] {
    return [...this.sync, ...this.async];
  }

  /** Queues `inv`; settles when a waiter method is called, the bound passes, or the caller aborts. */
  enqueue(inv: Invocation): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (inv.signal?.aborted) return reject(inv.signal.reason);
      const enqueuedAt = performance.now();
      const queue = inv.priority === "sync" ? this.sync : this.async;
      const leave = () => {
        clearTimeout(timer);
        inv.signal?.removeEventListener("abort", onAbort);
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
      };
      const waiter: Waiter<T> = {
        enqueuedAt,
        resolve: (value) => {
          leave();
          this.opts.onServed(performance.now() - enqueuedAt, inv.priority);
          resolve(value);
        },
        reject: (err) => {
          leave();
          reject(err);
        },
      };
      const onAbort = () => waiter.reject(inv.signal?.reason);
      const { maxWaitMs, functionName } = this.opts;
      const timer = setTimeout(() => waiter.reject(new Busy(`no container for ${functionName} became free within ${maxWaitMs} ms`, Math.max(1, Math.ceil(maxWaitMs / 1000)))), maxWaitMs);
      inv.signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
    });
  }
}
