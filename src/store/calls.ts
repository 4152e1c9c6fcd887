/**
 * Call records: reads for the calls API, and the batched upsert the call recorder flushes.
 * Contract: a missing call throws NotFound; lists are newest first (ids are UUIDv7, time-ordered).
 * @module
 */
import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { NotFound } from "../errors.ts";
import type { Call, CallStatus, Page } from "../model.ts";
import { decodeCursor, type PageQuery, pageOf } from "./cursor.ts";
import { calls } from "./schema.ts";

export type CallRow = typeof calls.$inferInsert;

export interface CallListQuery extends PageQuery {
  status?: CallStatus | undefined;
}

export interface CallRepo {
  /** Throws NotFound. */
  get(id: string): Promise<Call>;
  /** The call's stderr log (capped when it was written). Throws NotFound. */
  log(id: string): Promise<string>;
  /** The function's recorded answer (async calls), or null. Throws NotFound. */
  output(id: string): Promise<Uint8Array | null>;
  list(appName: string, path: string, q: CallListQuery): Promise<Page<Call>>;
  /** Inserts or overwrites every row in one transaction; the recorder's flush. */
  upsertMany(rows: CallRow[]): Promise<void>;
  /**
   * Deletes up to `limit` calls that finished before `before` (record, log and output), oldest
   * first; queued and running async calls are never touched. Returns how many were deleted.
   */
  prune(before: Date, limit: number): Promise<number>;
}

const callColumns = {
  id: calls.id,
  appName: calls.appName,
  path: calls.path,
  status: calls.status,
  createdAt: calls.createdAt,
  startedAt: calls.startedAt,
  completedAt: calls.completedAt,
  error: calls.error,
  attempts: calls.attempts,
};

export function createCallRepo(db: LibSQLDatabase): CallRepo {
  const one = async <T>(id: string, pick: (row: typeof calls.$inferSelect) => T): Promise<T> => {
    const row = await db.select().from(calls).where(eq(calls.id, id)).get();
    if (!row) throw new NotFound(`Call not found: ${id}`);
    return pick(row);
  };

  return {
    async get(id) {
      const row = await db.select(callColumns).from(calls).where(eq(calls.id, id)).get();
      if (!row) throw new NotFound(`Call not found: ${id}`);
      return row;
    },

    log: (id) => one(id, (r) => r.log),
    output: (id) => one(id, (r) => (r.output ? new Uint8Array(r.output) : null)),

    async list(appName, path, { perPage, cursor, status }) {
      const before = decodeCursor(cursor);
      const rows = await db
        .select(callColumns)
        .from(calls)
        .where(
          and(
            eq(calls.appName, appName),
            eq(calls.path, path),
            status === undefined ? undefined : eq(calls.status, status),
            before === undefined ? undefined : lt(calls.id, before),
          ),
        )
        .orderBy(desc(calls.id))
        .limit(perPage + 1);
      return pageOf(rows, perPage, (c) => c.id);
    },

    async prune(before, limit) {
      // Ids are UUIDv7, so every call finished before `before` has an id below the first id of that
      // millisecond: the scan walks the primary key from the oldest row and stops there.
      const bound = uuidv7Floor(before);
      const doomed = db
        .select({ id: calls.id })
        .from(calls)
        .where(
          and(
            lt(calls.id, bound),
            or(
              and(inArray(calls.status, FINISHED), lt(calls.completedAt, before)),
              // a sync call whose process died before it finished: never to be completed
              and(eq(calls.status, "running"), isNull(calls.leaseUntil), lt(calls.createdAt, before)),
            ),
          ),
        )
        .orderBy(calls.id)
        .limit(limit);
      const result = await db.delete(calls).where(inArray(calls.id, doomed));
      return result.rowsAffected;
    },

    async upsertMany(rows) {
      if (rows.length === 0) return;
      const statements = rows.map((row) =>
        db
          .insert(calls)
          .values(row)
          .onConflictDoUpdate({
            target: calls.id,
            set: {
              status: sql`excluded.status`,
              startedAt: sql`coalesce(excluded.started_at, ${calls.startedAt})`,
              completedAt: sql`excluded.completed_at`,
              error: sql`excluded.error`,
              log: sql`excluded.log`,
              output: sql`coalesce(excluded.output, ${calls.output})`,
            },
          }),
      );
      await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
    },
  };
}

const FINISHED = ["success", "error", "timeout", "cancelled"] as const;

/** The smallest UUIDv7 of the millisecond `t`: every id made before `t` sorts below it. */
function uuidv7Floor(t: Date): string {
  const hex = t.getTime().toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
