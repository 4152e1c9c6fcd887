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
  const controller = new AbortController();
  let timer: Timer | undefined;
  let cleared = false;
  const start = () => {
    if (timer !== undefined || cleared) return;
    timer = setTimeout(() => controller.abort(new FunctionTimeout(`Timed out: the function ran past its ${timeoutSeconds} s timeout`)), timeoutSeconds * 1000);
  };
  if (!deferred) start();
  return {
    signal: controller.signal,
    start,
    clear() {
      cleared = true;
      clearTimeout(timer);
    },
  };
}
