/**
 * The in-process async workers: N loops that claim queued calls (claims.ts) and run each to a
 * recorded outcome at async priority (claim-run.ts).
 *
 * A loop's states:
 *   claiming → running      a call was claimed
 *   claiming → waiting      nothing queued, or the claim failed: back off (25 ms doubling to 1 s);
 *                           `notify()` (a call enqueued in this process) ends one wait at once
 *   running → claiming      the outcome was recorded, or the call went back to the queue because
 *                           the runner was busy or had no Docker engine (then after a back-off)
 *   any → stopped           stop(): no new claims; running calls get `graceMs` to finish, then
 *                           their runs are aborted and their claims returned to the queue
 * A loop never dies: every error is caught, logged, and followed by a back-off.
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../runner/types.ts";
import { type ClaimRun, startClaimRun } from "./claim-run.ts";
import type { Claims } from "./claims.ts";

export interface AsyncWorkers {
  /**
   * Takes back the claims of this node's previous process (it died: same node, another boot id),
   * then starts the loops (none when `workers` is 0; the recovery still runs).
   */
  start(): Promise<void>;
  /** A call was enqueued: wake one waiting loop. Never throws. */
  notify(): void;
  /**
   * Stops claiming, waits up to `graceMs` for running calls, then aborts the rest and returns their
   * claims to the queue. Resolves once every claim is finished or returned and every loop has
   * ended (nothing is claimed after it resolves); never rejects.
   */
  stop(graceMs: number): Promise<void>;
}

export interface AsyncWorkersOptions {
  claims: Claims;
  /** takes back the claims of a dead process of this node (CallQueueRepo.releaseOwnedBy) */
  releaseOwnedBy(prefix: string, except?: string): Promise<number>;
  runner: Runner;
  /** how many loops (HOTFN_ASYNC_WORKERS) */
  workers: number;
  /** this node's name (HOTFN_NODE): lease tokens are `worker:<node>/<boot id>#<n>` */
  nodeId: string;
  /** this process (default: a random id): the node heartbeat names it, so others can release its claims */
  bootId?: string;
  log: Logger;
  /** back-off bounds when idle or failing (default 25 ms → 1 s) */
  backoff?: { minMs: number; maxMs: number };
}

/** The lease owner of one process's workers; each claim's token is this plus `#<n>`. */
export function leaseOwner(nodeId: string, bootId: string): string {
  return `worker:${nodeId}/${bootId}`;
}

export function createAsyncWorkers(opts: AsyncWorkersOptions): AsyncWorkers {
  const { claims, runner, log } = opts;
  const { minMs, maxMs } = opts.backoff ?? { minMs: 25, maxMs: 1000 };
  const prefix = `worker:${opts.nodeId}/`;
  const owner = leaseOwner(opts.nodeId, opts.bootId ?? crypto.randomUUID().slice(0, 8));

  let stopping = false;
  let claimCount = 0;
  const loops: Promise<void>[] = [];
  const running = new Set<ClaimRun>();
  // Loops sleeping in a back-off; notify() wakes one. A notify with nobody asleep is kept, so a
  // loop whose claim raced the enqueue does not sleep through it.
  const sleepers = new Set<() => void>();
  let pendingWake = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (pendingWake || stopping) {
        pendingWake = false;
        return resolve();
      }
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  const nextDelay = (d: number) => (d === 0 ? minMs : Math.min(maxMs, d * 2));

  async function loop(): Promise<void> {
    let delay = 0;
    while (!stopping) {
      if (delay > 0) await sleep(delay);
      if (stopping) break;
      try {
        // A token per claim: if this claim's lease lapsed and the call came back to this process,
        // the stale run can neither renew nor record over the new one.
        const lease = `${owner}#${++claimCount}`;
        const claim = await claims.next(lease);
        if (!claim) {
          delay = nextDelay(delay);
          continue;
        }
        if (stopping) {
          await claims.release(claim.call.id, lease);
          break;
        }
        const run = startClaimRun({ claims, runner, log }, claim);
        running.add(run);
        const result = await run.finished.finally(() => running.delete(run));
        delay = result === "retry-later" ? nextDelay(delay) : 0;
      } catch (err) {
        log.error("async worker failed; backing off", { err });
        delay = nextDelay(delay);
      }
    }
  }

  return {
    async start() {
      const recovered = await opts.releaseOwnedBy(prefix, `${owner}#`);
      if (recovered > 0) log.info("async calls of a previous run returned to the queue", { calls: recovered });
      for (let i = 0; i < opts.workers; i++) loops.push(loop());
      log.info("async workers started", { workers: opts.workers });
    },

    notify() {
      const first = sleepers.values().next();
      if (first.done) pendingWake = true;
      else first.value();
    },

    async stop(graceMs) {
      stopping = true;
      for (const wake of [...sleepers]) wake();
      const settled = Promise.allSettled(loops);
      let timer: Timer | undefined;
      const graceOver = new Promise<"grace-over">((resolve) => (timer = setTimeout(() => resolve("grace-over"), graceMs)));
      const first = await Promise.race([settled, graceOver]);
      clearTimeout(timer);
      if (first !== "grace-over") return;

      const unfinished = [...running];
      await Promise.all(unfinished.map((r) => r.giveBack()));
      if (unfinished.length > 0) log.info("unfinished async calls returned to the queue", { calls: unfinished.length });
      // Their runs were aborted, so the loops end at once; none claims again (`stopping`).
      await settled;
    },
  };
}
