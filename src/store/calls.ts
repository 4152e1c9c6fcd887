/**
 * Call records: reads for the calls API, and the batched upsert the call recorder flushes.
 * Contract: a missing call throws NotFound; lists are newest first (ids are UUIDv7, time-ordered).
 * @module
 */
import type { Client } from "@libsql/client";
import { and, desc, eq, getTableName, inArray, isNull, lt, or } from "drizzle-orm";
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
  /** Inserts or overwrites every row in one transaction, in order; the recorder's flush. */
  upsertMany(rows: RecordedRow[]): Promise<void>;
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

/** `client` is the one under `db`: the recorder's upsert goes to it directly (see RECORDED). */
export function createCallRepo(db: LibSQLDatabase, client: Client): CallRepo {
  /** One column of a call, picked from its row; NotFound when there is no such call. */
  const columnOf = async <T>(id: string, pick: (row: typeof calls.$inferSelect) => T): Promise<T> => {
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

    log: (id) => columnOf(id, (r) => r.log),
    output: (id) => columnOf(id, (r) => (r.output ? new Uint8Array(r.output) : null)),

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
      // One statement is its own transaction: no BEGIN and COMMIT to prepare and run around it.
      await client.execute({ sql: UPSERT, args: [upsertParam(rows)] });
    },
  };
}

/**
 * The recorder's upsert. Written once from the schema's column names rather than through Drizzle's
 * builder: built per row, that cost about 125 µs of the event loop per call at a few thousand
 * calls/s (a third of a core, and most of the garbage a call left; bench/README.md "Memory").
 *
 * The rows go in as one JSON text, read back with json_each, so the statement is the same whatever
 * the row count: SQLite parses a short statement instead of one with 11 placeholders a row, and the
 * call recorder's thread is sent one string instead of 11 values a row. The thread's CPU is what
 * it saves (8.9 → 7.5 µs a row in writes of 50): on this 2-core machine any work on the other core
 * lengthens hot calls' tail (bench/README.md "Issue 10"). The recorder keeps its rows as that same
 * text (RecordedRow) until written: row objects kept that long lengthened every young-generation
 * collection, where strings did not.
 */
const RECORDED = [
  ["id", calls.id],
  ["appName", calls.appName],
  ["path", calls.path],
  ["status", calls.status],
  ["createdAt", calls.createdAt],
  ["startedAt", calls.startedAt],
  ["completedAt", calls.completedAt],
  ["error", calls.error],
  ["attempts", calls.attempts],
  ["output", calls.output],
  // last: the recorder adds it once no more of the call's stderr can arrive (withLog)
  ["log", calls.log],
] as const;

/**
 * A call's row as the call recorder keeps and writes it: the JSON array of RECORDED's values, in
 * their order (recordedHead, then withLog).
 */
export type RecordedRow = string;

// JSON holds no bytes: a blob travels as hex.
const isBlob = (key: (typeof RECORDED)[number][0]) => key === "output";

/** A row's values but its log, as the start of its JSON text: withLog completes it. */
export function recordedHead(row: Omit<CallRow, "log">): string {
  const values: unknown[] = [];
  for (const [key, column] of RECORDED) {
    if (key === "log") break;
    // A value the row lacks takes the column's default, as an insert that omits the column would.
    const v = row[key] ?? column.default ?? null;
    const driver = v === null ? null : column.mapToDriverValue(v as never);
    values.push(isBlob(key) && driver !== null ? Buffer.from(driver as Uint8Array).toString("hex") : storable(driver));
  }
  return JSON.stringify(values).slice(0, -1);
}

export function withLog(head: string, log: string): RecordedRow {
  return `${head},${JSON.stringify(storableText(log))}]`;
}

const storable = (v: unknown) => (typeof v === "string" ? storableText(v) : v);

/**
 * Text as every store can keep it and give back whole: each NUL and each lone surrogate becomes
 * U+FFFD. PostgreSQL refuses NUL in text (the whole write fails, and with it every call in the
 * batch), and libSQL reads text only up to it, though SQLite stores it. A lone surrogate written as
 * JSON became bytes that are not UTF-8 in SQLite; bound as a parameter it became U+FFFD already.
 */
export function storableText(text: string): string {
  const formed = text.toWellFormed();
  return formed.includes("\0") ? formed.replaceAll("\0", "\uFFFD") : formed;
}

/** A recorded row as the row it stands for (PostgreSQL's upsert, the recorder's reads). */
export function decodeRecordedRow(row: RecordedRow): CallRow & { id: string } {
  const values = JSON.parse(row) as unknown[];
  const decoded: Record<string, unknown> = {};
  RECORDED.forEach(([key, column], i) => {
    const v = values[i] ?? null;
    decoded[key] = v === null ? null : column.mapFromDriverValue((isBlob(key) ? Buffer.from(v as string, "hex") : v) as never);
  });
  return decoded as CallRow & { id: string };
}

// A finished call overwrites its running row; a value it does not know (started_at of a call that
// never started, output of a sync call) keeps what is there. Rows go in in array order (`order by
// key`: SQLite does not promise json_each's order otherwise), so a call's later row wins. `where
// true` tells SQLite's parser the `on conflict` is the upsert's, not a join's.
export const UPSERT = `insert into ${getTableName(calls)} (${RECORDED.map(([, c]) => c.name).join(", ")}) select ${RECORDED.map(([key], i) =>
  isBlob(key) ? `unhex(value ->> ${i})` : `value ->> ${i}`,
).join(", ")} from json_each(?) where true order by key on conflict (${calls.id.name}) do update set ${[
  `${calls.status.name} = excluded.${calls.status.name}`,
  `${calls.startedAt.name} = coalesce(excluded.${calls.startedAt.name}, ${calls.startedAt.name})`,
  `${calls.completedAt.name} = excluded.${calls.completedAt.name}`,
  `${calls.error.name} = excluded.${calls.error.name}`,
  `${calls.log.name} = excluded.${calls.log.name}`,
  `${calls.output.name} = coalesce(excluded.${calls.output.name}, ${calls.output.name})`,
].join(", ")}`;

/** The recorder's rows as UPSERT's one parameter. Rows are upserted in order: a later row of a call overwrites an earlier one. */
export function upsertParam(rows: RecordedRow[]): string {
  return `[${rows.join(",")}]`;
}

/** The statuses of a call that ended. */
export const FINISHED = ["success", "error", "timeout", "cancelled"] as const;

/** The smallest UUIDv7 of the millisecond `t`: every id made before `t` sorts below it. */
export function uuidv7Floor(t: Date): string {
  const hex = t.getTime().toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
