/**
 * A run's deadline. A hot call listens to it directly (`CallDeadline`), not through an AbortSignal:
 * every AbortSignal a call makes, and every listener on one, lengthens each young-generation
 * collection of the JS engine (JSC), and at thousands of calls a second those pauses were the c=1
 * tail (bench/README.md "Issue 10"). Docker operations (a cold run) take `signal`, made on first use.
 *
 * Not `AbortSignal.timeout()` either: under load Bun could collect such a signal while only a pending
 * container operation referred to it, and the run then went on past its timeout. A plain timer holds
 * the deadline until it fires or the call clears it.
 * @module
 */
import { FunctionTimeout } from "../errors.ts";
import type { CallDeadline } from "./types.ts";

export interface Deadline extends CallDeadline {
  /** Aborted when the deadline passes; for Docker operations. Made on first use. */
  readonly signal: AbortSignal;
  /** Starts the clock (once); `startDeadline` has already started it unless told to wait. */
  start(): void;
  /** Stops the timer and drops the listener; call when the run is over. */
  clear(): void;
}

/** A deadline `timeoutSeconds` from now, or from `start()` when `deferred` (a run timed from its container's start). */
export function startDeadline(timeoutSeconds: number, deferred = false): Deadline {
  const deadline = new RunDeadline(timeoutSeconds);
  if (!deferred) deadline.start();
  return deadline;
}

/** A class, not closures: every call makes one. */
class RunDeadline implements Deadline {
  private timeout: FunctionTimeout | undefined;
  private controller: AbortController | undefined;
  private listener: ((reason: FunctionTimeout) => void) | undefined;
  private timer: Timer | undefined;
  private cleared = false;

  constructor(private readonly timeoutSeconds: number) {}

  get expired(): FunctionTimeout | undefined {
    return this.timeout;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.timeout) this.controller.abort(this.timeout);
    }
    return this.controller.signal;
  }

  listen(fn: ((reason: FunctionTimeout) => void) | undefined): void {
    this.listener = fn;
    if (fn && this.timeout) this.fire();
  }

  start(): void {
    if (this.timer !== undefined || this.cleared) return;
    this.timer = setTimeout(expire, this.timeoutSeconds * 1000, this);
  }

  clear(): void {
    this.cleared = true;
    this.listener = undefined;
    clearTimeout(this.timer);
  }

  /** The timer's end; for `expire` below. */
  expire(): void {
    this.timeout = new FunctionTimeout(`Timed out: the function ran past its ${this.timeoutSeconds} s timeout`);
    this.controller?.abort(this.timeout);
    this.fire();
  }

  private fire(): void {
    const fn = this.listener;
    this.listener = undefined;
    if (fn && this.timeout) fn(this.timeout);
  }
}

function expire(deadline: RunDeadline): void {
  deadline.expire();
}
