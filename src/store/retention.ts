/**
 * Keeps the calls table bounded: a background loop deletes calls that finished longer ago than the
 * retention (HOTFN_CALL_RETENTION) in small batches, each its own short statement, so the call path
 * never waits behind a long delete. Queued and running async calls are never deleted.
 *
 * States: waiting → pruning (every `everyMs`) → waiting; a full batch is followed by the next one at
 * once (after a yield); a failed batch is logged and retried at the next round. stop() ends the wait
 * and awaits the batch in flight.
 * @module
 */
import type { Logger } from "../log.ts";
import type { CallRepo } from "./calls.ts";
import { runtime } from "../runtime/index.ts";

export interface Pruner {
  start(): void;
  /** Stops the loop; resolves once a batch in flight has finished. Never rejects. */
  stop(): Promise<void>;
}

export interface PrunerOptions {
  calls: Pick<CallRepo, "prune">;
  /** how long a finished call is kept, ms; 0 keeps them forever (no loop runs) */
  retentionMs: number;
  log: Logger;
  /** rows per delete statement (default 500) */
  batch?: number;
  /** how often to look, ms (default: a minute, or half the retention when that is shorter) */
  everyMs?: number;
}

export function createPruner(opts: PrunerOptions): Pruner {
  const { calls, retentionMs, log } = opts;
  const batch = opts.batch ?? 500;
  const everyMs = opts.everyMs ?? Math.max(100, Math.min(60_000, Math.floor(retentionMs / 2)));
  const abort = new AbortController();
  let running: Promise<void> | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });

  const round = async () => {
    let deleted = 0;
    for (;;) {
      const n = await calls.prune(new Date(Date.now() - retentionMs), batch);
      deleted += n;
      if (n < batch || abort.signal.aborted) break;
      // Let calls and other writers in between batches.
      await runtime.sleep(10);
    }
    if (deleted > 0) log.debug("old calls deleted", { deleted, retention_ms: retentionMs });
  };

  const loop = async () => {
    while (!abort.signal.aborted) {
      try {
        await round();
      } catch (err) {
        log.warn("deleting old calls failed; will try again", { err });
      }
      await pause(everyMs);
    }
  };

  return {
    start() {
      if (retentionMs > 0 && running === undefined) running = loop();
    },
    async stop() {
      abort.abort();
      await running;
    },
  };
}
