/**
 * One claimed async call through the runner at async priority: what became of it decides what the
 * workers do with the claim — record the outcome, give the call back to the queue because hotfn
 * cannot run it now (a busy runner, no Docker engine), or nothing (the run was stopped: the claim was
 * given back or lost).
 * @module
 */
import { HotfnError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { LoggedOutcome } from "../model.ts";
import type { Runner } from "../runner/types.ts";
import type { Claim } from "./claims.ts";
import { toCallOutcome, toInvocation } from "./stored-call.ts";

export type ClaimRunResult =
  | { kind: "ran"; outcome: LoggedOutcome }
  /** hotfn could not run it now: it goes back to the queue, its attempt not counted */
  | { kind: "refused"; reason: string }
  /** `signal` aborted it: the claim was given back or lost, so nothing is recorded */
  | { kind: "stopped" };

/** Runs `claim` until it settles or `signal` aborts it. Never rejects. */
export async function runClaim(runner: Runner, claim: Claim, signal: AbortSignal, log: Logger): Promise<ClaimRunResult> {
  try {
    return { kind: "ran", outcome: toCallOutcome(await runner.run(toInvocation(claim.call, claim.resolved, signal))) };
  } catch (err) {
    if (signal.aborted) return { kind: "stopped" };
    if (err instanceof HotfnError && (err.code === "busy" || err.code === "unavailable")) return { kind: "refused", reason: err.message };
    log.error("async call failed in hotfn", { err, call_id: claim.call.id });
    return { kind: "ran", outcome: { status: "error", startedAt: null, completedAt: new Date(), error: "internal error", log: "" } };
  }
}
