/**
 * The scaling decision, a pure function over a snapshot of one function's pool: run on an idle
 * container, queue for a busy one, or launch a new one. Everything it weighs is passed in.
 *
 * Adaptive rules, in order (each names the case it protects):
 * 1. an idle container → run;
 * 2. no container at all → launch (a function with waiters always gets one);
 * 3. starting containers cover the waiters → queue (count floor: no launch beyond need), and while a
 *    function's first containers are starting and none has served yet → queue (single-flight, no herd);
 * 4. the oldest waiter has waited past the queueing bound and nothing is starting → launch (a bad
 *    estimate must not strand a call; the calls that queued behind a cold start are all overdue at
 *    once, and one launch, not one each, is the answer to that — the estimate below decides the rest);
 * 5. estimate the wait of the newest waiter: ceil(position / (busy + starting)) × run length, where
 *    run length is the warm mean plus one spread (a function whose runs vary is not planned on its
 *    best case), or — with no warm sample yet — how long the oldest in-flight run has taken so far (a
 *    lower bound that grows while calls wait, so re-evaluation corrects it). Queue when that wait is
 *    below both the expected cold start and the queueing bound; launch otherwise.
 * Naive mode (HOTFN_SCALING=naive) is the original server: run when idle, else launch one per waiter.
 * @module
 */
import type { Estimate } from "./estimate.ts";

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
  /** whether any container of this pool has become ready yet */
  everReady: boolean;
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
  if (s.oldestWaitMs >= s.maxQueueWaitMs && s.starting === 0) return verdict("launch", "waited past the queueing bound");

  const runMs = s.run.samples > 0 ? Math.max(s.run.mean + s.run.stddev, 1) : Math.max(s.oldestBusyMs, 1);
  const estimate = Math.ceil(s.position / capacity) * runMs;
  const budget = Math.min(s.coldStart.mean, s.maxQueueWaitMs);
  return estimate <= budget ? verdict("queue", "queueing is cheaper than a cold start", estimate) : verdict("launch", "a cold start is cheaper than queueing", estimate);
}
