/**
 * Routes a hot container's stderr to the log of the call it belongs to. Docker relays stdout and
 * stderr separately, so the last stderr of a call can arrive just after its answer: it still goes to
 * that call's log for a short while (until the next call starts or LINGER_MS passes); output outside
 * any call goes to `stray` (debug log). When that while is over the log is closed: the recorder
 * writes it then, instead of holding every call's record for the whole trail.
 * @module
 */
import { CALL_LOG_TRAIL_MS } from "../../model.ts";
import type { LogSink } from "../types.ts";

/** Short of CALL_LOG_TRAIL_MS, which readers of a log wait: a little slack for the event loop. */
const LINGER_MS = CALL_LOG_TRAIL_MS - 20;

export interface CallLogRouter {
  /** A call starts: its stderr goes to `log`. */
  begin(log: LogSink): void;
  /** The call ended: late output still reaches its log for a moment. */
  end(): void;
  write(chunk: Uint8Array): void;
}

export function createCallLogRouter(stray: (chunk: Uint8Array) => void): CallLogRouter {
  let current: LogSink | undefined;
  let lingering: LogSink | undefined;
  /** when the lingering log stops taking output (performance.now() clock) */
  let lingerUntil = 0;
  // One timer at a time, re-armed for what is left when it finds a newer linger: a hot container
  // ends thousands of calls a second, and a timer made and cleared for each is garbage per call.
  let timer: Timer | undefined;
  const stopLingering = () => {
    lingering?.close?.();
    lingering = undefined;
  };
  const onTimer = () => {
    timer = undefined;
    if (lingering === undefined) return;
    const left = lingerUntil - performance.now();
    if (left <= 0) stopLingering();
    else arm(left);
  };
  const arm = (ms: number) => {
    timer = setTimeout(onTimer, ms);
    timer.unref?.();
  };
  return {
    begin(log) {
      stopLingering();
      current = log;
    },
    end() {
      if (current === undefined) return;
      lingering = current;
      current = undefined;
      lingerUntil = performance.now() + LINGER_MS;
      if (timer === undefined) arm(LINGER_MS);
    },
    write(chunk) {
      const sink = current ?? lingering;
      if (sink) sink.write(chunk);
      else stray(chunk);
    },
  };
}

/** Lets output that already reached hotfn's socket be processed before a call's answer is returned. */
export function settleOutput(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
