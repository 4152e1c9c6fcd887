/**
 * The async queue, kept in the `calls` table: enqueue (bounded), atomic claims with a lease, lease
 * renewal, completion, release. A call moves `queued → running → success|error|timeout|cancelled`;
 * a lease that lapses returns it to `queued` (at-least-once delivery; `attempts` counts claims) until
 * it has been tried `maxAttempts` times: then it ends as `error` and is never run again.
 * Every transition is one statement or one atomic batch: no interactive transactions. This is the
 * SQLite queue; pg/call-queue.ts is its PostgreSQL twin (claims with FOR UPDATE SKIP LOCKED).
 * @module
 */
import { and, eq, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { Busy } from "../errors.ts";
import type { CallOutcome, CallRequest } from "../model.ts";
import { storableText } from "./calls.ts";
import { calls, queueDepth } from "./schema.ts";

/** A call to store in `queued`, with all a worker needs to replay it. */
export interface NewQueuedCall {
  /** UUIDv7: the queue hands calls out in id order, oldest first */
  id: string;
  appName: string;
  /** the route's path (a pattern for routes with params), as the calls API lists it */
  path: string;
  request: CallRequest;
  payload: Uint8Array;
  createdAt: Date;
}

/** A call a worker holds, with the lease that makes it its own. */
export interface ClaimedCall {
  id: string;
  appName: string;
  path: string;
  request: CallRequest;
  payload: Uint8Array;
  createdAt: Date;
  /** claims so far, this one included */
  attempts: number;
  /** ms since epoch; past it, the call goes back to the queue unless renewed */
  leaseUntil: number;
}

export interface CallQueueRepo {
  /**
   * Stores the call as `queued`. Resolves only once the row is written: a caller may answer 202
   * after it. Throws Busy (nothing stored) when `bounds.calls` calls are queued already, or when the
   * queued payloads would exceed `bounds.bytes`.
   */
  enqueue(call: NewQueuedCall, bounds: QueueBounds): Promise<void>;
  /** How many calls are queued now (one row read). */
  depth(): Promise<number>;
  /**
   * Returns calls whose lease lapsed to the queue (or ends them as `error` when they have had all
   * their attempts), then hands the oldest queued call to `owner` as `running` with a lease of
   * `leaseMs`, counting the attempt — one atomic batch, so no two owners ever hold the same call.
   * Null when nothing is queued.
   */
  claim(owner: string, leaseMs: number): Promise<ClaimedCall | null>;
  /** As `claim`, for up to `limit` calls at once (one batch), oldest first. */
  claimMany(owner: string, leaseMs: number, limit: number): Promise<ClaimedCall[]>;
  /**
   * Extends `owner`'s lease to `leaseMs` from now. False when the call is no longer `owner`'s.
   * `owner` is always the exact lease token given to `claim`: callers make one per claim, so a holder
   * whose lease lapsed and whose call was claimed again never passes for the new holder.
   */
  renew(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /** As `renew`, for many claims in one batch; answers each in order. */
  renewMany(held: readonly Held[], leaseMs: number): Promise<boolean[]>;
  /**
   * Records the outcome (status, times, error, log, output) and drops the lease and the stored
   * request (a finished call is never replayed) — only while the lease is still `owner`'s. False
   * (nothing written) when it is not: the call lapsed and was requeued, or another owner holds it;
   * the later run's outcome is the one kept.
   */
  complete(id: string, owner: string, outcome: CallOutcome): Promise<boolean>;
  /** As `complete`, for many claims in one batch (one transaction); answers each in order. */
  completeMany(done: readonly (Held & { outcome: CallOutcome })[]): Promise<boolean[]>;
  /**
   * Puts `owner`'s call back in the queue unfinished, as if this claim had not happened (its attempt
   * is not counted): for a call hotfn could not run or stopped itself (a busy runner, shutdown).
   * False when not held.
   */
  release(id: string, owner: string): Promise<boolean>;
  /**
   * Requeues every call held by an owner whose name starts with `prefix` but not with `except`:
   * a restarted node takes back its dead predecessor's claims at once instead of waiting for their
   * leases to lapse. A call that has had all its attempts ends as `error` instead. Returns how many
   * were requeued or ended.
   */
  releaseOwnedBy(prefix: string, except?: string): Promise<number>;
}

/** A claim as its holder names it: the call and the exact lease token it was claimed with. */
export interface Held {
  id: string;
  owner: string;
}

/** The bounds on the queue (HOTFN_MAX_QUEUED, HOTFN_MAX_QUEUED_BYTES). */
export interface QueueBounds {
  calls: number;
  bytes: number;
}

export interface CallQueueOptions {
  /** the clock, ms since epoch; tests move it */
  now?: () => number;
  /** claims a call may have before a lapsed one ends as `error` (HOTFN_ASYNC_MAX_ATTEMPTS; default 3) */
  maxAttempts?: number;
}

/** A full queue tells callers to come back in about this long. */
const BUSY_RETRY_AFTER_S = 1;

const claimedColumns = {
  id: calls.id,
  appName: calls.appName,
  path: calls.path,
  request: calls.request,
  payload: calls.payload,
  createdAt: calls.createdAt,
  attempts: calls.attempts,
  leaseUntil: calls.leaseUntil,
};

/** The columns that put a call back in the queue. */
export const REQUEUED = { status: "queued", leaseOwner: null, leaseUntil: null, startedAt: null } as const;

/**
 * A call's request as both stores can keep it (storableText): a path parameter is decoded, so it can
 * carry NUL, which PostgreSQL's jsonb refuses. The function would not have seen the NUL anyway: its
 * headers and env cannot carry one (runner/contract.ts, clean).
 */
export function storableRequest(r: CallRequest): CallRequest {
  const each = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [storableText(k), storableText(v)]));
  return { method: storableText(r.method), url: storableText(r.url), headers: each(r.headers), params: each(r.params) };
}

/** The columns that record a finished call: its outcome, no lease, and no request (never replayed). */
export function finishedColumns(o: CallOutcome) {
  return {
    status: o.status,
    startedAt: o.startedAt === null ? undefined : o.startedAt,
    completedAt: o.completedAt,
    error: o.error === null ? null : storableText(o.error),
    log: storableText(o.log),
    output: o.output ? Buffer.from(o.output) : null,
    leaseOwner: null,
    leaseUntil: null,
    request: null,
    payload: null,
  };
}

/** Why a call ended after `maxAttempts` claims that all lapsed. */
export function gaveUpError(maxAttempts: number): string {
  return `gave up after ${maxAttempts} attempts: each time, the worker running the call died or lost its lease before it finished`;
}

/** A claimed row as a worker gets it; `leaseUntil` stands in for a missing lease time. */
export function toClaimedCall(
  row: Omit<ClaimedCall, "request" | "payload" | "leaseUntil"> & { request: CallRequest | null; payload: Uint8Array | null; leaseUntil: number | null },
  leaseUntil: number,
): ClaimedCall {
  return {
    ...row,
    request: row.request ?? { method: "POST", url: "", headers: {}, params: {} },
    payload: row.payload ? new Uint8Array(row.payload) : new Uint8Array(),
    leaseUntil: row.leaseUntil ?? leaseUntil,
  };
}

export function createCallQueueRepo(db: LibSQLDatabase, opts: CallQueueOptions = {}): CallQueueRepo {
  const now = opts.now ?? Date.now;
  const maxAttempts = opts.maxAttempts ?? 3;
  /** The columns that end a call whose every attempt was cut short (its worker died or lost the lease). */
  const gaveUp = (t: number) =>
    ({
      status: "error",
      error: gaveUpError(maxAttempts),
      completedAt: new Date(t),
      leaseOwner: null,
      leaseUntil: null,
      request: null,
      payload: null,
    }) as const;
  const triedOut = sql`${calls.attempts} >= ${maxAttempts}`;
  const notTriedOut = sql`${calls.attempts} < ${maxAttempts}`;
  // substr, not LIKE: node names may contain `_`, a LIKE wildcard
  const startsWith = (prefix: string) => sql`substr(${calls.leaseOwner}, 1, ${prefix.length}) = ${prefix}`;
  const held = (id: string, owner: string) => and(eq(calls.id, id), eq(calls.leaseOwner, owner), eq(calls.status, "running"));
  const claimMany = async (owner: string, leaseMs: number, limit: number): Promise<ClaimedCall[]> => {
    const t = now();
    const oldest = db.select({ id: calls.id }).from(calls).where(eq(calls.status, "queued")).orderBy(calls.id).limit(limit);
    const lapsed = and(isNotNull(calls.leaseUntil), lt(calls.leaseUntil, t), eq(calls.status, "running"));
    const [, , rows] = await db.batch([
      db.update(calls).set(gaveUp(t)).where(and(lapsed, triedOut)),
      db.update(calls).set(REQUEUED).where(and(lapsed, notTriedOut)),
      db
        .update(calls)
        .set({ status: "running", leaseOwner: owner, leaseUntil: t + leaseMs, attempts: sql`${calls.attempts} + 1`, startedAt: new Date(t) })
        .where(and(inArray(calls.id, oldest), eq(calls.status, "queued")))
        .returning(claimedColumns),
    ]);
    return rows.map((row) => toClaimedCall(row, t + leaseMs)).sort((a, b) => (a.id < b.id ? -1 : 1));
  };
  /** One transaction of one update per claim; each answer says whether its claim was still held. */
  const eachHeld = async (updates: { id: string; owner: string; set: Record<string, unknown> }[]): Promise<boolean[]> => {
    if (updates.length === 0) return [];
    const [first, ...rest] = updates.map(({ id, owner, set }) => db.update(calls).set(set).where(held(id, owner)));
    return (await db.batch([first!, ...rest])).map((r) => r.rowsAffected > 0);
  };
  const renewMany = (claims: readonly Held[], leaseMs: number) => {
    const leaseUntil = now() + leaseMs;
    return eachHeld(claims.map((c) => ({ ...c, set: { leaseUntil } })));
  };
  const completeMany = (done: readonly (Held & { outcome: CallOutcome })[]) => eachHeld(done.map((d) => ({ id: d.id, owner: d.owner, set: finishedColumns(d.outcome) })));

  return {
    async enqueue(call, bounds) {
      // Insert-if-below-bound in one statement, so concurrent enqueues cannot overshoot the bound.
      const size = call.payload.byteLength;
      const result = await db.run(sql`
        INSERT INTO ${calls} (id, app_name, path, status, created_at, attempts, log, request, payload)
        SELECT ${call.id}, ${call.appName}, ${call.path}, 'queued', ${call.createdAt.getTime()}, 0, '',
               ${JSON.stringify(storableRequest(call.request))}, ${Buffer.from(call.payload)}
        WHERE (SELECT ${queueDepth.queued} < ${bounds.calls} AND ${queueDepth.queuedBytes} + ${size} <= ${bounds.bytes}
               FROM ${queueDepth} WHERE ${queueDepth.id} = 1)`);
      if (result.rowsAffected === 0) {
        const depth = await db.select().from(queueDepth).where(eq(queueDepth.id, 1)).get();
        const full = (depth?.queued ?? 0) >= bounds.calls ? `${bounds.calls} calls queued` : `queued calls hold ${depth?.queuedBytes ?? 0} of ${bounds.bytes} bytes`;
        throw new Busy(`the async queue is full (${full}); retry later`, BUSY_RETRY_AFTER_S);
      }
    },

    async depth() {
      const row = await db.select({ queued: queueDepth.queued }).from(queueDepth).where(eq(queueDepth.id, 1)).get();
      return row?.queued ?? 0;
    },

    async claim(owner, leaseMs) {
      return (await claimMany(owner, leaseMs, 1))[0] ?? null;
    },
    claimMany,

    async renew(id, owner, leaseMs) {
      return (await renewMany([{ id, owner }], leaseMs))[0]!;
    },
    renewMany,

    async complete(id, owner, o) {
      return (await completeMany([{ id, owner, outcome: o }]))[0]!;
    },
    completeMany,

    async release(id, owner) {
      const result = await db
        .update(calls)
        .set({ ...REQUEUED, attempts: sql`max(0, ${calls.attempts} - 1)` })
        .where(held(id, owner));
      return result.rowsAffected > 0;
    },

    async releaseOwnedBy(prefix, except) {
      const owned = and(
        eq(calls.status, "running"),
        isNotNull(calls.leaseUntil),
        startsWith(prefix),
        except === undefined ? undefined : sql`not (${startsWith(except)})`,
      );
      const [ended, back] = await db.batch([
        db.update(calls).set(gaveUp(now())).where(and(owned, triedOut)),
        db.update(calls).set(REQUEUED).where(and(owned, notTriedOut)),
      ]);
      return ended.rowsAffected + back.rowsAffected;
    },
  };
}
