/**
 * Writes the outcomes of async calls in batches: one transaction for every outcome ready at once,
 * instead of one per call. An outcome is ready CALL_LOG_TRAIL_MS after its run ended, so the stderr
 * of a hot container that trails its answer is in the log. A failed batch is tried again (three tries
 * each, with back-off); an outcome given up on is left to its lease, which lapses, and the call runs
 * again.
 * @module
 */
import type { Logger } from "../log.ts";
import { CALL_LOG_TRAIL_MS, type LoggedOutcome } from "../model.ts";
import { runtime } from "../runtime/index.ts";
import type { Held } from "../store/call-queue.ts";
import type { Claims } from "./claims.ts";

export interface OutcomeWriter {
  /**
   * Records `outcome` while `held` still holds the call, batched with others. Resolves once it is
   * written, found no longer held, or given up on; never rejects.
   */
  write(held: Held, outcome: LoggedOutcome): Promise<void>;
  /** Writes every pending outcome now, logs as they are (shutdown). Never rejects. */
  flush(): Promise<void>;
}

/** Tries at writing an outcome before leaving it to the lease. */
const TRIES = 3;
/** Outcomes per transaction. */
const BATCH = 500;
/** Least time between batches, so that a steady stream of outcomes is written in a few. */
const MIN_GAP_MS = 10;

interface Pending {
  held: Held;
  outcome: LoggedOutcome;
  readyAt: number;
  tries: number;
  done(): void;
}

export function createOutcomeWriter(claims: Pick<Claims, "recordMany">, log: Logger): OutcomeWriter {
  let pending: Pending[] = [];
  let writing: Promise<void> = Promise.resolve();
  let timer: Timer | undefined;
  let lastBatchAt = 0;

  const schedule = () => {
    if (timer !== undefined || pending.length === 0) return;
    const now = performance.now();
    const firstReady = pending.reduce((min, p) => Math.min(min, p.readyAt), Infinity);
    const next = Math.max(firstReady, lastBatchAt + MIN_GAP_MS);
    timer = setTimeout(() => {
      timer = undefined;
      void writeReady(false);
    }, Math.max(0, next - now));
  };

  /** Writes the outcomes that are ready (all of them with `all`); true when a batch failed. */
  const writeReady = (all: boolean): Promise<boolean> => {
    const result = writing.then(async () => {
      const now = performance.now();
      const batch = pending.filter((p) => all || p.readyAt <= now).slice(0, BATCH);
      if (batch.length === 0) return false;
      const inBatch = new Set(batch);
      pending = pending.filter((p) => !inBatch.has(p));
      lastBatchAt = now;
      try {
        const answers = await claims.recordMany(
          batch.map((p) => ({ ...p.held, outcome: { ...p.outcome, log: typeof p.outcome.log === "string" ? p.outcome.log : p.outcome.log.text() } })),
        );
        for (const [i, written] of answers.entries()) {
          if (!written) log.warn("async call outcome not recorded: lease no longer held", { call_id: batch[i]!.held.id });
          batch[i]!.done();
        }
        return false;
      } catch (err) {
        log.error("async call outcomes not recorded", { err, calls: batch.length });
        for (const p of batch) {
          if (++p.tries >= TRIES) {
            log.error("async call outcome given up on; its lease will lapse and it runs again", { call_id: p.held.id });
            p.done();
          } else {
            p.readyAt = now + 100 * 4 ** (p.tries - 1);
            pending.push(p);
          }
        }
        return true;
      }
    });
    writing = result.then(() => undefined);
    void writing.then(schedule);
    return result;
  };

  return {
    write(held, outcome) {
      return new Promise<void>((done) => {
        pending.push({ held, outcome, readyAt: performance.now() + CALL_LOG_TRAIL_MS, tries: 0, done });
        schedule();
      });
    },

    async flush() {
      clearTimeout(timer);
      timer = undefined;
      while (pending.length > 0) {
        if (await writeReady(true)) await runtime.sleep(100);
      }
      await writing;
    },
  };
}
