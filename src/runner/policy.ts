/**
 * The scaling decision, a pure function over a snapshot of one function's pool: run on an idle
 * container, queue for a busy one, or launch a new one. Everything it weighs is passed in.
 *
 * Adaptive rules, in order (each names the case it protects):
 * 1. an idle container → run;
 * 2. no container at all → launch (a function with waiters always gets one);
 * 3. starting containers cover the waiters → queue (count floor: no launch beyond need), and while a
 *    function's first containers are starting and none has served yet → queue (single-flight, no herd);
 *    and while no warm run has been measured, starts at most double the containers serving → queue
 *    (the ramp: the only run length known is of runs in progress, often a new container's slow first
 *    one, and a burst planned on it started two or three times the containers its calls needed);
 * 4. the oldest waiter has waited past the queueing bound and nothing is starting → launch (a bad
 *    estimate must not strand a call; the calls that queued behind a cold start are all overdue at
 *    once, and one launch, not one each, is the answer to that — the estimate below decides the rest);
 * 5. estimate the wait of the newest waiter: when the containers serving and those starting will
 *    have worked through the calls ahead of it, with each busy container freeing up every run
 *    length and each starting one only once its start is over (starts go `startSlots` at a time,
 *    a cold start each). The run length is the warm mean plus one spread (a function whose runs
 *    vary is not planned on its best case), or — with no warm sample yet — how long the oldest
 *    in-flight run has taken so far (a lower bound that grows while calls wait, so re-evaluation
 *    corrects it). The cold start is the image's mean, or how long the oldest start in flight has
 *    taken so far when that is longer, up to SLOW_START_FACTOR times the mean (starts slow down
 *    under the load of the burst that asked for them; planned on the mean of earlier, quieter
 *    starts, a burst of 200 calls to a 20 ms function launched containers that came after it was
 *    served; a start stuck far beyond that is an outlier, not the pace of starts, and must not stop
 *    launches while its calls wait). Queue when that wait is below both the expected cold start
 *    and the queueing bound. Otherwise launch when one more container, once ready, would still
 *    have that queue to work on for at least as long again (a start pays for itself; one that
 *    would arrive as the queue runs dry only costs: a burst of 200 calls to a 20 ms function
 *    started 45 containers when each launch was planned as if it served at once), or when the
 *    wait passes the queueing bound and nothing is starting (the bound caps the wait even when
 *    cold starts are slow).
 * The pool withdraws a launch still waiting for its start slot once the other starts cover every
 * queued call, not counting a stuck one (`stuckAfterMs`; pool.ts
 * `withdrawUnneeded`).
 * Naive mode (HOTFN_SCALING=naive) is the original server: run when idle, else launch one per waiter.
 * @module
 */
import type { Estimate } from "./estimate.ts";

/**
 * How far past the image's mean cold start a start in flight is still taken as the pace of starts
 * (slowed by load: 2-3 times the mean in a burst on 2 cores, bench/README.md Issue 10 item 11).
 * A start beyond it is stuck, and the plan does not wait for it.
 */
export const SLOW_START_FACTOR = 2;

/** How long a start may take before it counts as stuck (SLOW_START_FACTOR times the mean). */
export function stuckAfterMs(coldStart: Estimate): number {
  return SLOW_START_FACTOR * coldStart.mean;
}

/** The cold start a plan counts on: the mean, or a start in flight that is taking longer, until it counts as stuck. */
export function plannedColdStartMs(coldStart: Estimate, oldestStartMs: number): number {
  return Math.max(coldStart.mean, Math.min(oldestStartMs, stuckAfterMs(coldStart)));
}

export type Decision = "run" | "queue" | "launch";

export interface PoolSnapshot {
  idle: number;
  busy: number;
  starting: number;
  /** calls waiting in the queue, this one included */
  waiting: number;
  /** this call's place in the queue, 1-based */
  position: number;
  /** how long the oldest waiting call has waited so far, ms */
  oldestWaitMs: number;
  /** warm run length of the function (cold runs excluded), ms */
  run: Estimate;
  /** elapsed ms of the longest in-flight run, 0 when none */
  oldestBusyMs: number;
  /** cold start of the function's image, ms (seeded when never observed) */
  coldStart: Estimate;
  /** elapsed ms of the longest start in flight past the start gate, 0 when none (see plannedColdStartMs) */
  oldestStartMs: number;
  /** whether any container of this pool has become ready yet */
  everReady: boolean;
  /** how many container starts may run at once (HOTFN_MAX_CONCURRENT_STARTS) */
  startSlots: number;
  maxQueueWaitMs: number;
  mode: "adaptive" | "naive";
}

export interface Verdict {
  decision: Decision;
  /** the rule that decided, for logs and tests */
  reason: string;
  /** estimated wait if queued, ms (NaN when not estimated) */
  estimatedWaitMs: number;
}

export function decide(s: PoolSnapshot): Verdict {
  const verdict = (decision: Decision, reason: string, estimatedWaitMs = Number.NaN): Verdict => ({ decision, reason, estimatedWaitMs });
  if (s.idle > 0) return verdict("run", "idle container");
  if (s.mode === "naive") return s.starting < s.waiting ? verdict("launch", "naive: none idle") : verdict("queue", "naive: starts cover waiters");

  const capacity = s.busy + s.starting;
  if (capacity === 0) return verdict("launch", "no container");
  if (s.starting >= s.waiting) return verdict("queue", "starting containers cover the waiters");
  if (!s.everReady && s.starting > 0) return verdict("queue", "first launch in flight (single-flight)");
  if (s.run.samples === 0 && s.starting >= s.busy) return verdict("queue", "no warm run measured yet: at most doubling");
  if (s.oldestWaitMs >= s.maxQueueWaitMs && s.starting === 0) return verdict("launch", "waited past the queueing bound");

  const runMs = s.run.samples > 0 ? Math.max(s.run.mean + s.run.stddev, 1) : Math.max(s.oldestBusyMs, 1);
  // Starts slow down as a burst loads the machine, and the mean learns that only as they finish: a
  // start still in flight has already taken as long as it has (the same lower bound as a run's).
  const coldMs = plannedColdStartMs(s.coldStart, s.oldestStartMs);
  const estimate = waitIfQueued(s.position, s.busy, s.starting, runMs, coldMs, s.startSlots);
  const budget = Math.min(coldMs, s.maxQueueWaitMs);
  if (estimate <= budget) return verdict("queue", "queueing is cheaper than a cold start", estimate);
  // A start pays for itself when the container, once ready, still has the queue to work on for at
  // least as long again; one that would arrive as the queue runs dry only costs.
  if (estimate - readyAt(s.starting + 1, coldMs, s.startSlots) >= budget) return verdict("launch", "a cold start is cheaper than queueing", estimate);
  if (estimate > s.maxQueueWaitMs && s.starting === 0) return verdict("launch", "the wait would pass the queueing bound", estimate);
  return verdict("queue", "a new container would come too late to help", estimate);
}

/** When the n-th container started now is ready: starts run `slots` at a time, a cold start each. */
function readyAt(n: number, coldStartMs: number, slots: number): number {
  return Math.ceil(n / Math.max(1, slots)) * coldStartMs;
}

/**
 * How long the call at `position` waits: the time by which `busy` containers (each freeing up every
 * `runMs`) and `starting` ones (each from its readyAt on) have served `position` calls.
 */
export function waitIfQueued(position: number, busy: number, starting: number, runMs: number, coldStartMs: number, slots: number): number {
  let t = 0;
  let served = 0;
  let serving = busy;
  for (let n = 1; n <= starting; n++) {
    const next = readyAt(n, coldStartMs, slots);
    if (serving > 0 && served + (serving * (next - t)) / runMs >= position) break;
    served += (serving * (next - t)) / runMs;
    t = next;
    serving++;
  }
  return t + ((position - served) * runMs) / serving;
}
