/**
 * The async queue on PostgreSQL: the twin of store/call-queue.ts, whose CallQueueRepo contract it
 * keeps — the same states, leases, attempts and recovery — for several nodes claiming at once.
 *
 * How it stays exact under concurrency (READ COMMITTED):
 * - a claim takes the oldest queued row with `FOR UPDATE SKIP LOCKED`: claimers never wait for each
 *   other and never take the same row;
 * - the lapsed-lease sweep and the release of a dead node's claims lock their rows the same way, so
 *   they never wait on a row a claimer or a finishing worker holds (and never deadlock with them);
 * - an enqueue locks the queue_depth row (`FOR UPDATE`) while it checks the bounds and inserts, so
 *   concurrent enqueues cannot overshoot them; the triggers that keep queue_depth run in the
 *   statement's own transaction.
 * - a batch of renewals or completions (one transaction) updates its rows in id order, as every other
 *   batch does, so two batches wait on each other at most, never in a cycle.
 * Every other transition is one autocommitted statement; a claim is two (the sweep, then the claim).
 * @module
 */
import { and, eq, inArray, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import { Busy } from "../../errors.ts";
import type { CallOutcome } from "../../model.ts";
import { type CallQueueOptions, type CallQueueRepo, type ClaimedCall, finishedColumns, gaveUpError, type Held, REQUEUED, storableRequest, toClaimedCall } from "../call-queue.ts";
import { affected } from "./result.ts";
import { calls, queueDepth } from "./schema.ts";

/** A full queue tells callers to come back in about this long (as on SQLite). */
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

export function createPgCallQueueRepo(db: BunSQLDatabase, opts: CallQueueOptions = {}): CallQueueRepo {
  const now = opts.now ?? Date.now;
  const maxAttempts = opts.maxAttempts ?? 3;
  const triedOut = sql`${calls.attempts} >= ${maxAttempts}`;
  // substr, not LIKE: node names may contain `_`, a LIKE wildcard
  const startsWith = (prefix: string) => sql`substr(${calls.leaseOwner}, 1, ${prefix.length}) = ${prefix}`;
  const held = (id: string, owner: string) => and(eq(calls.id, id), eq(calls.leaseOwner, owner), eq(calls.status, "running"));
  /** The ids matching `where`, locked for this statement; rows another transaction holds are skipped. */
  const lockedIds = (where: SQL | undefined) => db.select({ id: calls.id }).from(calls).where(where).for("update", { skipLocked: true });
  /**
   * Ends the rows matching `where` as errors when they have had all their attempts, else puts them
   * back in the queue: SQLite's two updates (gave up, requeued) as one statement.
   */
  const endOrRequeue = async (where: SQL | undefined, t: number) => {
    const ending = (then: SQL | string | null, otherwise: SQL | null) => sql`CASE WHEN ${triedOut} THEN ${then} ELSE ${otherwise} END`;
    const result = await db
      .update(calls)
      .set({
        status: sql`CASE WHEN ${triedOut} THEN 'error' ELSE ${REQUEUED.status} END`,
        error: ending(gaveUpError(maxAttempts), sql`${calls.error}`),
        completedAt: ending(sql`${t}::bigint`, sql`${calls.completedAt}`),
        startedAt: ending(sql`${calls.startedAt}`, null),
        request: ending(null, sql`${calls.request}`),
        payload: ending(null, sql`${calls.payload}`),
        leaseOwner: null,
        leaseUntil: null,
      })
      .where(inArray(calls.id, lockedIds(where)));
    return affected(result);
  };

  const claimMany = async (owner: string, leaseMs: number, limit: number): Promise<ClaimedCall[]> => {
    const t = now();
    await endOrRequeue(and(eq(calls.status, "running"), isNotNull(calls.leaseUntil), lt(calls.leaseUntil, t)), t);
    const oldest = db.select({ id: calls.id }).from(calls).where(eq(calls.status, "queued")).orderBy(calls.id).limit(limit).for("update", { skipLocked: true });
    const rows = await db
      .update(calls)
      .set({ status: "running", leaseOwner: owner, leaseUntil: t + leaseMs, attempts: sql`${calls.attempts} + 1`, startedAt: new Date(t) })
      // ARRAY(...) is evaluated once: under `IN (...)` the planner may rescan the locking subquery
      // per row and so claim more than `limit` calls.
      .where(and(sql`${calls.id} = ANY(ARRAY(${oldest}))`, eq(calls.status, "queued")))
      .returning(claimedColumns);
    return rows.map((row) => toClaimedCall(row, t + leaseMs)).sort((a, b) => (a.id < b.id ? -1 : 1));
  };
  /**
   * One transaction of one update per claim; each answer (in the order given) says whether its claim
   * was still held. Rows are locked in id order, whoever asks: a renewal and a completion batch of the
   * same node overlap on the same calls, and in two orders they could deadlock.
   */
  const eachHeld = async (updates: { id: string; owner: string; set: Record<string, unknown> }[]): Promise<boolean[]> => {
    if (updates.length === 0) return [];
    const order = updates.map((_, i) => i).sort((a, b) => (updates[a]!.id < updates[b]!.id ? -1 : 1));
    return db.transaction(async (tx) => {
      const answers: boolean[] = new Array(updates.length);
      for (const i of order) {
        const { id, owner, set } = updates[i]!;
        answers[i] = affected(await tx.update(calls).set(set).where(held(id, owner))) > 0;
      }
      return answers;
    });
  };
  const renewMany = (claims: readonly Held[], leaseMs: number) => {
    const leaseUntil = now() + leaseMs;
    return eachHeld(claims.map((c) => ({ ...c, set: { leaseUntil } })));
  };
  const completeMany = (done: readonly (Held & { outcome: CallOutcome })[]) => eachHeld(done.map((d) => ({ id: d.id, owner: d.owner, set: finishedColumns(d.outcome) })));

  return {
    async enqueue(call, bounds) {
      const size = call.payload.byteLength;
      const result = await db.execute(sql`
        WITH room AS (
          SELECT 1 FROM ${queueDepth}
          WHERE ${queueDepth.id} = 1 AND ${queueDepth.queued} < ${bounds.calls} AND ${queueDepth.queuedBytes} + ${size} <= ${bounds.bytes}
          FOR UPDATE)
        INSERT INTO ${calls} (id, app_name, path, status, created_at, attempts, log, request, payload)
        SELECT ${call.id}, ${call.appName}, ${call.path}, 'queued', ${call.createdAt.getTime()}::bigint, 0, '',
               ${storableRequest(call.request)}::jsonb, ${Buffer.from(call.payload)}::bytea
        FROM room`);
      if (affected(result) === 0) {
        const [depth] = await db.select().from(queueDepth).where(eq(queueDepth.id, 1)).limit(1);
        const full = (depth?.queued ?? 0) >= bounds.calls ? `${bounds.calls} calls queued` : `queued calls hold ${depth?.queuedBytes ?? 0} of ${bounds.bytes} bytes`;
        throw new Busy(`the async queue is full (${full}); retry later`, BUSY_RETRY_AFTER_S);
      }
    },

    async depth() {
      const [row] = await db.select({ queued: queueDepth.queued }).from(queueDepth).where(eq(queueDepth.id, 1)).limit(1);
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
        .set({ ...REQUEUED, attempts: sql`greatest(0, ${calls.attempts} - 1)` })
        .where(held(id, owner));
      return affected(result) > 0;
    },

    async releaseOwnedBy(prefix, except) {
      const owned = and(
        eq(calls.status, "running"),
        isNotNull(calls.leaseUntil),
        startsWith(prefix),
        except === undefined ? undefined : sql`not (${startsWith(except)})`,
      );
      return endOrRequeue(owned, now());
    },
  };
}
