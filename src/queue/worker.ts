/**
 * The in-process async workers: N loops that claim queued calls, run them through the runner at
 * async priority while renewing their lease, and record the outcome.
 *
 * A loop's states:
 *   claiming → running      a call was claimed (its lease is renewed every leaseMs/3)
 *   claiming → waiting      nothing queued, or the claim failed: back off (25 ms doubling to 1 s);
 *                           `notify()` (a call enqueued in this process) ends one wait at once
 *   running → claiming      the outcome was recorded, or the call went back to the queue because
 *                           the runner was busy or had no Docker engine (then after a back-off)
 *   any → stopped           stop(): no new claims; running calls get `graceMs` to finish, then
 *                           their runs are aborted and their claims returned to the queue
 * A loop never dies: every error is caught, logged, and followed by a back-off.
 * @module
 */
import type { Config } from "../config.ts";
import { HotfnError, NotFound } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { CallOutcome } from "../model.ts";
import type { Runner } from "../runner/types.ts";
import type { CallQueueRepo, ClaimedCall } from "../store/call-queue.ts";
import type { RouteCache } from "../store/route-cache.ts";
import { toCallOutcome, toInvocation } from "./stored-call.ts";

export interface AsyncWorkers {
  /** The lease owner of this process's claims: `worker:<node>/<boot id>`; each claim's token is `<owner>#<n>`. */
  readonly owner: string;
  /**
   * Takes back the claims of this node's previous process (it died: same node, another boot id),
   * then starts `config.asyncWorkers` loops (none when 0; the recovery still runs).
   */
  start(): Promise<void>;
  /** A call was enqueued: wake one waiting loop. Never throws. */
  notify(): void;
  /**
   * Stops claiming, waits up to `graceMs` for running calls, then aborts the rest and returns their
   * claims to the queue. Resolves once every claim is finished or returned; never rejects.
   */
  stop(graceMs: number): Promise<void>;
}

export interface AsyncWorkersOptions {
  queue: CallQueueRepo;
  routeCache: RouteCache;
  runner: Runner;
  config: Pick<Config, "asyncWorkers" | "asyncLeaseMs" | "nodeId">;
  log: Logger;
  /** back-off bounds when idle or failing (default 25 ms → 1 s) */
  backoff?: { minMs: number; maxMs: number };
}

interface Running {
  call: ClaimedCall;
  /** this claim's lease token */
  lease: string;
  abort: AbortController;
  /** set when stop() gave the claim back: the run's late outcome must not be recorded */
  released: boolean;
  renewal: Timer;
}

/** Tries at recording an outcome before leaving it to the lease (the call then runs again). */
const COMPLETE_TRIES = 3;

export function createAsyncWorkers(opts: AsyncWorkersOptions): AsyncWorkers {
  const { queue, routeCache, runner, config, log } = opts;
  const { minMs, maxMs } = opts.backoff ?? { minMs: 25, maxMs: 1000 };
  const leaseMs = config.asyncLeaseMs;
  const prefix = `worker:${config.nodeId}/`;
  const owner = `${prefix}${crypto.randomUUID().slice(0, 8)}`;

  let stopping = false;
  let claims = 0;
  const loops: Promise<void>[] = [];
  const running = new Map<string, Running>();
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
        const lease = `${owner}#${++claims}`;
        const call = await queue.claim(lease, leaseMs);
        if (!call) {
          delay = nextDelay(delay);
          continue;
        }
        if (stopping) {
          await queue.release(call.id, lease);
          break;
        }
        const result = await runClaimed(call, lease);
        delay = result === "retry-later" ? nextDelay(delay) : 0;
      } catch (err) {
        log.error("async worker failed; backing off", { err });
        delay = nextDelay(delay);
      }
    }
  }

  /** Runs one claimed call to a recorded outcome, or back to the queue. */
  async function runClaimed(call: ClaimedCall, lease: string): Promise<"done" | "retry-later"> {
    const abort = new AbortController();
    const renewal = setInterval(() => void renew(call.id, lease, abort), Math.max(100, Math.floor(leaseMs / 3)));
    const entry: Running = { call, lease, abort, released: false, renewal };
    running.set(lease, entry);
    const clog = log.child({ call_id: call.id, app: call.appName, path: call.path, attempt: call.attempts });
    try {
      const resolved = await routeCache.resolve(call.appName, call.path).catch((err: unknown) => {
        if (err instanceof NotFound) return null;
        throw err;
      });
      // A pattern route resolves to itself by its own path; anything else means it is gone.
      if (resolved === null || resolved.route.path !== call.path) {
        await record(entry, failed(`route ${call.path} of app ${call.appName} no longer exists`), clog);
        return "done";
      }
      let outcome: CallOutcome;
      try {
        outcome = toCallOutcome(await runner.run(toInvocation(call, resolved, abort.signal)));
      } catch (err) {
        // stop() or a lost lease aborted it: the claim was returned or another worker holds it
        if (abort.signal.aborted) return "done";
        if (err instanceof HotfnError && (err.code === "busy" || err.code === "unavailable")) {
          clog.warn("async call returned to the queue", { reason: err.message });
          await queue.release(call.id, lease);
          return "retry-later";
        }
        clog.error("async call failed in hotfn", { err });
        outcome = failed("internal error");
      }
      await record(entry, outcome, clog);
      return "done";
    } finally {
      clearInterval(renewal);
      running.delete(lease);
    }
  }

  async function renew(id: string, lease: string, abort: AbortController): Promise<void> {
    try {
      if (!(await queue.renew(id, lease, leaseMs)) && !abort.signal.aborted) {
        log.warn("async call lease lost; abandoning the run", { call_id: id });
        abort.abort(new Error("lease lost"));
      }
    } catch (err) {
      log.warn("async lease renewal failed; will retry", { call_id: id, err });
    }
  }

  async function record(entry: Running, outcome: CallOutcome, clog: Logger): Promise<void> {
    for (let i = 1; i <= COMPLETE_TRIES && !entry.released; i++) {
      try {
        if (!(await queue.complete(entry.call.id, entry.lease, outcome))) clog.warn("async call outcome not recorded: lease no longer held");
        return;
      } catch (err) {
        clog.error("async call outcome not recorded", { err, try: i });
        if (i < COMPLETE_TRIES) await Bun.sleep(100 * 4 ** (i - 1));
      }
    }
  }

  return {
    owner,

    async start() {
      const recovered = await queue.releaseOwnedBy(prefix, `${owner}#`);
      if (recovered > 0) log.info("async calls of a previous run returned to the queue", { calls: recovered });
      for (let i = 0; i < config.asyncWorkers; i++) loops.push(loop());
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

      const unfinished = [...running.values()];
      await Promise.all(
        unfinished.map(async (r) => {
          r.released = true;
          clearInterval(r.renewal);
          r.abort.abort(new Error("hotfn is stopping"));
          try {
            await queue.release(r.call.id, r.lease);
          } catch (err) {
            log.error("async call not returned to the queue; its lease will lapse", { call_id: r.call.id, err });
          }
        }),
      );
      if (unfinished.length > 0) log.info("unfinished async calls returned to the queue", { calls: unfinished.length });
    },
  };
}

function failed(message: string): CallOutcome {
  return { status: "error", startedAt: null, completedAt: new Date(), error: message, log: "" };
}
