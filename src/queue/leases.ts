/**
 * The leases of the claims the in-process workers hold, renewed together: one timer and one database
 * batch for all of them, whatever their number. A claim whose lease turns out lost (it lapsed and the
 * call was claimed again) is told so once, and forgotten.
 * @module
 */
import type { Logger } from "../log.ts";
import type { Held } from "../store/call-queue.ts";
import type { Claims } from "./claims.ts";

export interface Leases {
  /**
   * Renews `held` until the returned function drops it; `lost` runs once if its lease is found no
   * longer held.
   */
  hold(held: Held, lost: () => void): () => void;
  /** Stops renewing (what is still held lapses). */
  stop(): void;
}

/** Renewals per batch: a bound on one statement batch. */
const BATCH = 500;

export function createLeases(claims: Pick<Claims, "leaseMs" | "renewMany">, log: Logger): Leases {
  const held = new Set<{ held: Held; lost: () => void }>();
  const everyMs = Math.max(100, Math.floor(claims.leaseMs / 3));
  let timer: Timer | undefined;
  let renewing = false;

  const renewAll = async () => {
    if (renewing) return;
    renewing = true;
    try {
      const all = [...held.values()];
      for (let i = 0; i < all.length; i += BATCH) {
        const batch = all.slice(i, i + BATCH);
        const answers = await claims.renewMany(batch.map((h) => h.held));
        for (const [j, stillHeld] of answers.entries()) {
          const h = batch[j]!;
          if (stillHeld || !held.has(h)) continue;
          held.delete(h);
          log.warn("async call lease lost; abandoning the run", { call_id: h.held.id });
          h.lost();
        }
      }
    } catch (err) {
      log.warn("async lease renewal failed; will retry", { err });
    } finally {
      renewing = false;
    }
  };

  const idle = () => {
    if (held.size > 0 || timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
  };

  return {
    hold(h, lost) {
      const entry = { held: h, lost };
      held.add(entry);
      timer ??= setInterval(() => void renewAll(), everyMs);
      return () => {
        held.delete(entry);
        idle();
      };
    },
    stop() {
      held.clear();
      idle();
    },
  };
}
