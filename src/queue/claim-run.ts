/**
 * One claimed async call, run to a recorded outcome: its lease is renewed while it runs, its outcome
 * recorded while the lease is still held (with a few tries), or the call goes back to the queue when
 * hotfn cannot run it now (a busy runner, no Docker engine) or is stopping.
 * @module
 */
import { HotfnError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { CallOutcome } from "../model.ts";
import type { Runner } from "../runner/types.ts";
import type { Claim, Claims } from "./claims.ts";
import { toCallOutcome, toInvocation } from "./stored-call.ts";
import { runtime } from "../runtime/index.ts";

export interface ClaimRun {
  /**
   * Settles once the outcome is recorded (or given up on: the lease lapsed), "done"; or once the
   * call went back to the queue because hotfn could not run it now, "retry-later". Never rejects.
   */
  readonly finished: Promise<"done" | "retry-later">;
  /** Shutdown: stops the run and gives the call back to the queue, recording nothing. Never rejects. */
  giveBack(): Promise<void>;
}

export interface ClaimRunDeps {
  claims: Claims;
  runner: Runner;
  log: Logger;
}

/** Tries at recording an outcome before leaving it to the lease (the call then runs again). */
const RECORD_TRIES = 3;

export function startClaimRun({ claims, runner, log }: ClaimRunDeps, claim: Claim): ClaimRun {
  const { call, lease } = claim;
  const callLog = log.child({ call_id: call.id, app: call.appName, path: call.path, attempt: call.attempts });
  const abort = new AbortController();
  /** set once the claim was given back: a late outcome must not be recorded over the requeued call */
  let givenBack = false;

  const renew = async () => {
    try {
      if (!(await claims.renew(call.id, lease)) && !abort.signal.aborted) {
        callLog.warn("async call lease lost; abandoning the run");
        abort.abort(new Error("lease lost"));
      }
    } catch (err) {
      callLog.warn("async lease renewal failed; will retry", { err });
    }
  };
  const renewal = setInterval(() => void renew(), Math.max(100, Math.floor(claims.leaseMs / 3)));

  const record = async (outcome: CallOutcome) => {
    for (let i = 1; i <= RECORD_TRIES && !givenBack; i++) {
      try {
        if (!(await claims.record(call.id, lease, outcome))) callLog.warn("async call outcome not recorded: lease no longer held");
        return;
      } catch (err) {
        callLog.error("async call outcome not recorded", { err, try: i });
        if (i < RECORD_TRIES) await runtime.sleep(100 * 4 ** (i - 1));
      }
    }
  };

  const run = async (): Promise<"done" | "retry-later"> => {
    let outcome: CallOutcome;
    try {
      outcome = toCallOutcome(await runner.run(toInvocation(call, claim.resolved, abort.signal)));
    } catch (err) {
      // giveBack() or a lost lease aborted it: the claim was returned, or another worker holds it.
      if (abort.signal.aborted) return "done";
      if (err instanceof HotfnError && (err.code === "busy" || err.code === "unavailable")) {
        callLog.warn("async call returned to the queue", { reason: err.message });
        await claims.release(call.id, lease);
        return "retry-later";
      }
      callLog.error("async call failed in hotfn", { err });
      outcome = { status: "error", startedAt: null, completedAt: new Date(), error: "internal error", log: "" };
    }
    await record(outcome);
    return "done";
  };

  let gaveBack = () => {};
  const givenBackNow = new Promise<"done">((resolve) => (gaveBack = () => resolve("done")));
  // A call already running in a container goes on after giveBack() (hotfn's stop removes the
  // container); the worker that held it need not wait for that.
  const finished = Promise.race([
    run().catch((err: unknown) => {
      callLog.error("async call could not be settled; its lease will lapse", { err });
      return "done" as const;
    }),
    givenBackNow,
  ]).finally(() => clearInterval(renewal));

  return {
    finished,
    async giveBack() {
      givenBack = true;
      gaveBack();
      clearInterval(renewal);
      abort.abort(new Error("hotfn is stopping"));
      try {
        await claims.release(call.id, lease);
      } catch (err) {
        callLog.error("async call not returned to the queue; its lease will lapse", { err });
      }
    },
  };
}
