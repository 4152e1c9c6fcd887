/**
 * The in-process async workers: one dispatcher that claims queued calls in batches (claims.ts), hands
 * them to the runner at async priority (claim-run.ts), keeps their leases (leases.ts) and records
 * their outcomes in batches (outcomes.ts). How many calls it hands the runner at once follows what
 * the runner can run (in-flight.ts), up to `workers` (HOTFN_ASYNC_WORKERS).
 *
 * The dispatcher's states:
 *   claiming → claiming     it claimed calls and started them; there is room for more
 *   claiming → full         the runner holds as many calls as the limit allows: it waits until a
 *                           quarter of that room is free, so that claims come in batches (or
 *                           until the outcome writer has caught up, when it is far behind)
 *   claiming → idle         nothing queued, or the claim failed: back off (25 ms doubling to 1 s);
 *                           `notify()` (a call enqueued in this process) ends the wait at once
 *   claiming → refused      the runner refused a call (busy, no Docker engine): the call went back
 *                           to the queue, the limit halved, and no claim for a back-off
 *   any → stopped           stop(): no new claims; running calls get `graceMs` to finish, then
 *                           their runs are aborted and their claims returned to the queue
 * The dispatcher never dies: every error is caught, logged, and followed by a back-off.
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../runner/types.ts";
import { runClaim } from "./claim-run.ts";
import type { Claim, Claims } from "./claims.ts";
import { createInFlightLimit } from "./in-flight.ts";
import { createLeases } from "./leases.ts";
import { createOutcomeWriter } from "./outcomes.ts";

export interface AsyncWorkers {
  /**
   * Takes back the claims of this node's previous process (it died: same node, another boot id),
   * then starts dispatching (not when `workers` is 0; the recovery still runs).
   */
  start(): Promise<void>;
  /** A call was enqueued: end an idle wait at once. Never throws. */
  notify(): void;
  /**
   * Stops claiming, waits up to `graceMs` for running calls, then aborts the rest and returns their
   * claims to the queue. Resolves once every claim is recorded or returned and the dispatcher has
   * ended (nothing is claimed after it resolves); never rejects.
   */
  stop(graceMs: number): Promise<void>;
}

export interface AsyncWorkersOptions {
  claims: Claims;
  /** takes back the claims of a dead process of this node (CallQueueRepo.releaseOwnedBy) */
  releaseOwnedBy(prefix: string, except?: string): Promise<number>;
  runner: Runner;
  /** the most calls handed to the runner at once (HOTFN_ASYNC_WORKERS); 0: none, an API-only node */
  workers: number;
  /** this node's name (HOTFN_NODE): lease tokens are `worker:<node>/<boot id>#<n>` */
  nodeId: string;
  /** this process (default: a random id): the node heartbeat names it, so others can release its claims */
  bootId?: string;
  log: Logger;
  /** back-off bounds when idle, failing or refused (default 25 ms → 1 s) */
  backoff?: { minMs: number; maxMs: number };
}

/** The lease owner of one process's workers; each claim batch's token is this plus `#<n>`. */
export function leaseOwner(nodeId: string, bootId: string): string {
  return `worker:${nodeId}/${bootId}`;
}

/** Calls claimed in one batch at most. */
const CLAIM_BATCH = 64;
/**
 * Outcomes waiting to be written before the dispatcher stops claiming: a slot frees when the runner
 * is done with a call, so without this a database slower than the runner would gather them unbounded.
 */
const MAX_UNRECORDED = 2000;

/** A call in the runner. */
interface Running {
  claim: Claim;
  abort: AbortController;
  /** settles when the runner let go of it */
  ran: Promise<void>;
}

export function createAsyncWorkers(opts: AsyncWorkersOptions): AsyncWorkers {
  const { claims, runner, log } = opts;
  const { minMs, maxMs } = opts.backoff ?? { minMs: 25, maxMs: 1000 };
  const prefix = `worker:${opts.nodeId}/`;
  const owner = leaseOwner(opts.nodeId, opts.bootId ?? crypto.randomUUID().slice(0, 8));
  const limit = createInFlightLimit(opts.workers);
  const leases = createLeases(claims, log);
  const outcomes = createOutcomeWriter(claims, log);

  let stopping = false;
  let batches = 0;
  let dispatcher: Promise<void> = Promise.resolve();
  const running = new Set<Running>();
  /** what follows each run (recording, giving back), until its claim is let go */
  const settling = new Map<Running, Promise<void>>();
  let refusedUntil = 0;
  let refusedDelay = 0;

  // The dispatcher's one wait. notify() ends any wait; a freed slot ends only a wait for room. A
  // notify while the dispatcher is not waiting is kept, so a claim that raced an enqueue is redone.
  let wake: ((why: "notify" | "slot") => void) | undefined;
  let notified = false;
  const wait = (ms: number, untilSlot: boolean) =>
    new Promise<void>((resolve) => {
      if (notified || stopping) {
        notified = false;
        return resolve();
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = (why) => {
        if (why === "notify" || untilSlot) done();
      };
    });
  const nextDelay = (d: number) => (d === 0 ? minMs : Math.min(maxMs, d * 2));

  function start(claim: Claim): void {
    const id = claim.call.id;
    const held = { id, owner: claim.lease };
    const abort = new AbortController();
    const drop = leases.hold(held, () => abort.abort(new Error("lease lost")));
    const mark = limit.handedOver();
    /** calls in the runner when this one came out of it */
    let inUse = 0;
    const result = runClaim(runner, claim, abort.signal, log);
    const entry: Running = {
      claim,
      abort,
      ran: result.then(() => {
        inUse = running.size;
        running.delete(entry);
        wake?.("slot");
      }),
    };
    running.add(entry);
    const settled = result
      .then(async (r) => {
        // given back at shutdown, or lost: the queue or another holder has the call now
        if (r.kind === "stopped" || abort.signal.aborted) return;
        if (r.kind === "refused") {
          limit.refused(mark);
          refusedDelay = nextDelay(refusedDelay);
          refusedUntil = performance.now() + refusedDelay;
          log.warn("async call returned to the queue", { call_id: id, reason: r.reason, in_flight_limit: limit.current });
          await claims.release(id, claim.lease);
          return;
        }
        limit.ran(inUse);
        refusedDelay = 0;
        await outcomes.write(held, r.outcome);
      })
      .catch((err: unknown) => log.error("async call could not be settled; its lease will lapse", { err, call_id: id }))
      .finally(() => {
        drop();
        settling.delete(entry);
        wake?.("slot");
      });
    settling.set(entry, settled);
  }

  async function dispatch(): Promise<void> {
    let idleDelay = 0;
    while (!stopping) {
      try {
        const room = limit.current - running.size;
        const unrecorded = settling.size - running.size;
        if (room < Math.ceil(limit.current / 4) || unrecorded > MAX_UNRECORDED) {
          await wait(maxMs, true);
          continue;
        }
        const refusedFor = refusedUntil - performance.now();
        if (refusedFor > 0) {
          await wait(refusedFor, false);
          continue;
        }
        // One token per batch: if a claim's lease lapsed and its call came back to this process, the
        // stale run can neither renew nor record over the new one.
        const lease = `${owner}#${++batches}`;
        const claimed = await claims.nextMany(lease, Math.min(room, CLAIM_BATCH));
        if (stopping) {
          await Promise.all(claimed.map((c) => claims.release(c.call.id, lease)));
          break;
        }
        for (const claim of claimed) start(claim);
        if (claimed.length > 0) {
          idleDelay = 0;
          continue;
        }
        idleDelay = nextDelay(idleDelay);
        await wait(idleDelay, false);
      } catch (err) {
        log.error("async dispatcher failed; backing off", { err });
        idleDelay = nextDelay(idleDelay);
        await wait(idleDelay, false);
      }
    }
  }

  return {
    async start() {
      const recovered = await opts.releaseOwnedBy(prefix, `${owner}#`);
      if (recovered > 0) log.info("async calls of a previous run returned to the queue", { calls: recovered });
      if (opts.workers > 0) dispatcher = dispatch();
      log.info("async workers started", { workers: opts.workers });
    },

    notify() {
      if (wake) wake("notify");
      else notified = true;
    },

    async stop(graceMs) {
      stopping = true;
      wake?.("notify");
      await dispatcher;
      let timer: Timer | undefined;
      const graceOver = new Promise<"grace-over">((resolve) => (timer = setTimeout(() => resolve("grace-over"), graceMs)));
      const first = await Promise.race([Promise.allSettled([...running.values()].map((r) => r.ran)), graceOver]);
      clearTimeout(timer);
      if (first === "grace-over" && running.size > 0) {
        const unfinished = [...running];
        for (const r of unfinished) {
          r.abort.abort(new Error("hotfn is stopping"));
          // A call already in a container goes on after this (hotfn's stop removes the container);
          // nothing of it is recorded, so it need not be waited for.
          settling.delete(r);
        }
        const returned = await Promise.all(
          unfinished.map((r) =>
            claims.release(r.claim.call.id, r.claim.lease).catch((err: unknown) => {
              log.error("async call not returned to the queue; its lease will lapse", { err, call_id: r.claim.call.id });
              return false;
            }),
          ),
        );
        log.info("unfinished async calls returned to the queue", { calls: returned.filter(Boolean).length });
      }
      await Promise.allSettled([outcomes.flush(), ...settling.values()]);
      leases.stop();
    },
  };
}
