/**
 * How many async calls the workers hand the runner at once: a limit that follows what the runner can
 * run, the way TCP's congestion window follows a network. It starts small and grows by one per call
 * the runner ran (doubling each round of calls) until the runner first refuses one (Busy: no
 * container or memory came in time; Unavailable: no Docker engine); a refusal halves it, and from
 * then on it grows by one per round. It never passes `max` (HOTFN_ASYNC_WORKERS) nor drops below one.
 *
 * Two guards keep it honest: the calls of one round that are refused together halve it once (a
 * refusal of a call handed over before the last halving is old news), and it grows only while it is
 * nearly used (a limit of 64 proven by 4 calls at a time says nothing about 64).
 * @module
 */

export interface InFlightLimit {
  /** calls the runner may hold now */
  readonly current: number;
  /** A call goes to the runner; the mark returned says when, for `refused`. */
  handedOver(): number;
  /** the runner ran a call (whatever its outcome), while `inUse` calls were in it */
  ran(inUse: number): void;
  /** the runner refused the call handed over at `mark`: it goes back to the queue */
  refused(mark: number): void;
}

/** Where the limit starts: a few calls, so a fresh node does not claim more than it can start. */
const INITIAL = 4;

export function createInFlightLimit(max: number): InFlightLimit {
  let window = Math.min(max, INITIAL);
  let slowStart = true;
  let handed = 0;
  let halvedAt = 0;
  const current = () => Math.max(1, Math.floor(window));
  return {
    get current() {
      return current();
    },
    handedOver: () => ++handed,
    ran(inUse) {
      if (inUse < (current() * 3) / 4) return;
      window = Math.min(max, window + (slowStart ? 1 : 1 / window));
    },
    refused(mark) {
      if (mark <= halvedAt) return;
      slowStart = false;
      window = Math.max(1, window / 2);
      halvedAt = handed;
    },
  };
}
