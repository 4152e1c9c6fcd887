/**
 * A call's deadline as an AbortSignal. Not `AbortSignal.timeout()`: under load Bun could collect
 * such a signal while only a pending container operation referred to it, and the run then went on
 * past its timeout. A plain timer holds the controller until it fires or the call clears it.
 * @module
 */
import { FunctionTimeout } from "../errors.ts";

export interface Deadline {
  signal: AbortSignal;
  /** Starts the clock (once); `startDeadline` has already started it unless told to wait. */
  start(): void;
  /** Stops the timer; call when the run is over. */
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
  private readonly controller = new AbortController();
  private timer: Timer | undefined;
  private cleared = false;

  constructor(private readonly timeoutSeconds: number) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(): void {
    if (this.timer !== undefined || this.cleared) return;
    this.timer = setTimeout(expire, this.timeoutSeconds * 1000, this);
  }

  clear(): void {
    this.cleared = true;
    clearTimeout(this.timer);
  }

  /** The timer's end; for `expire` below. */
  abort(): void {
    this.controller.abort(new FunctionTimeout(`Timed out: the function ran past its ${this.timeoutSeconds} s timeout`));
  }
}

function expire(deadline: RunDeadline): void {
  deadline.abort();
}
