/**
 * How many async calls the workers hand the runner at once: a limit that follows what the runner can
 * run, the way TCP's congestion window follows a network. It starts small and grows by one per call
 * the runner ran (doubling each round of calls) until the runner first refuses one (Busy: no
 * container or memory came in time; Unavailable: no Docker engine); a refusal halves it, and from
 * then on it grows by one per round. It never passes `max` (HOTFN_ASYNC_WORKERS) nor drops below one.
 * @module
 */

export interface InFlightLimit {
  /** calls the runner may hold now */
  readonly current: number;
  /** the runner ran a call (whatever its outcome) */
  ran(): void;
  /** the runner refused a call: it goes back to the queue */
  refused(): void;
}

/** Where the limit starts: a few calls, so a fresh node does not claim more than it can start. */
const INITIAL = 4;

export function createInFlightLimit(max: number): InFlightLimit {
  let window = Math.min(max, INITIAL);
  let slowStart = true;
  return {
    get current() {
      return Math.max(1, Math.floor(window));
    },
    ran() {
      window = Math.min(max, window + (slowStart ? 1 : 1 / window));
    },
    refused() {
      slowStart = false;
      window = Math.max(1, window / 2);
    },
  };
}
