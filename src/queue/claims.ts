/**
 * The claim protocol of async calls, written once for the in-process workers and the /tasks door:
 * claim the oldest queued call under a fresh lease token, resolve its route as it is now (closing a
 * call whose route vanished as an error), renew the lease, record the outcome while the lease is
 * still held, or give the call back.
 * @module
 */
import { NotFound } from "../errors.ts";
import type { CallOutcome } from "../model.ts";
import type { CallQueueRepo, ClaimedCall, Held } from "../store/call-queue.ts";
import type { ResolvedRoute, RouteCache } from "../store/route-cache.ts";

/** A call held under a lease, with the route it runs on. */
export interface Claim {
  call: ClaimedCall;
  /** the route as it is now */
  resolved: ResolvedRoute;
  /** this claim's token: only it renews, records or releases the claim */
  lease: string;
}

export interface Claims {
  /** how long a claim lasts unless renewed (HOTFN_ASYNC_LEASE) */
  readonly leaseMs: number;
  /**
   * The next call to run, leased to `lease` (unique per claim), or null when none is queued. Calls
   * whose route vanished are closed as errors on the way. Rejects only when the database does.
   */
  next(lease: string): Promise<Claim | null>;
  /** As `next`, for up to `limit` calls claimed at once under one `lease` (one database batch). */
  nextMany(lease: string, limit: number): Promise<Claim[]>;
  /** Extends the lease to `leaseMs + extraMs` from now. False when the lease is no longer held. */
  renew(id: string, lease: string, extraMs?: number): Promise<boolean>;
  /** Records the outcome while `lease` holds the call. False (nothing written) when it does not. */
  record(id: string, lease: string, outcome: CallOutcome): Promise<boolean>;
  /** As `renew`, for many claims in one batch; answers each in order. */
  renewMany(held: readonly Held[]): Promise<boolean[]>;
  /** As `record`, for many claims in one transaction; answers each in order. */
  recordMany(done: readonly (Held & { outcome: CallOutcome })[]): Promise<boolean[]>;
  /** Gives the call back to the queue unrun (its attempt not counted). False when not held. */
  release(id: string, lease: string): Promise<boolean>;
}

export interface ClaimsOptions {
  queue: CallQueueRepo;
  routeCache: RouteCache;
  leaseMs: number;
}

/** Batches of calls all closed for a vanished route in one `next()` before it answers "none" for now. */
const MAX_SKIPPED_BATCHES = 20;

export function createClaims({ queue, routeCache, leaseMs }: ClaimsOptions): Claims {
  const routeOf = (call: ClaimedCall) =>
    routeCache.resolve(call.appName, call.path).catch((err: unknown) => {
      if (err instanceof NotFound) return null;
      throw err;
    });

  const nextMany = async (lease: string, limit: number): Promise<Claim[]> => {
    for (let skipped = 0; skipped < MAX_SKIPPED_BATCHES; skipped++) {
      const calls = await queue.claimMany(lease, leaseMs, limit);
      if (calls.length === 0) return [];
      const ready: Claim[] = [];
      const gone: (Held & { outcome: CallOutcome })[] = [];
      try {
        for (const call of calls) {
          const resolved = await routeOf(call);
          // A pattern route resolves to itself by its own path; anything else means it is gone.
          if (resolved !== null && resolved.route.path === call.path) ready.push({ call, resolved, lease });
          else gone.push({ id: call.id, owner: lease, outcome: vanished(call) });
        }
        if (gone.length > 0) await queue.completeMany(gone);
      } catch (err) {
        // Nobody would hold the batch: give it back now rather than let each lease lapse and charge
        // every call an attempt it never had (best effort: the database just failed).
        await Promise.allSettled(calls.map((c) => queue.release(c.id, lease)));
        throw err;
      }
      if (ready.length > 0) return ready;
    }
    return [];
  };

  return {
    leaseMs,
    nextMany,
    next: async (lease) => (await nextMany(lease, 1))[0] ?? null,
    renew: (id, lease, extraMs = 0) => queue.renew(id, lease, leaseMs + extraMs),
    renewMany: (held) => queue.renewMany(held, leaseMs),
    record: (id, lease, outcome) => queue.complete(id, lease, outcome),
    recordMany: (done) => queue.completeMany(done),
    release: (id, lease) => queue.release(id, lease),
  };
}

function vanished(call: ClaimedCall): CallOutcome {
  return { status: "error", startedAt: null, completedAt: new Date(), error: `route ${call.path} of app ${call.appName} no longer exists`, log: "" };
}
