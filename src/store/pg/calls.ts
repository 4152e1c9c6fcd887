/**
 * Call records on PostgreSQL: the twin of store/calls.ts, whose CallRepo contract it keeps,
 * including its cheap batched upsert for the recorder.
 * @module
 */
import type { SQL } from "bun";
import { and, desc, eq, getTableName, inArray, isNull, lt, or } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import { NotFound } from "../../errors.ts";
import { type CallRepo, type CallRow, decodeRecordedRow, FINISHED, uuidv7Floor } from "../calls.ts";
import { decodeCursor, pageOf } from "../cursor.ts";
import { affected } from "./result.ts";
import { calls } from "./schema.ts";

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
export function createPgCallRepo(db: BunSQLDatabase, client: SQL): CallRepo {
  /** the upsert's text for `n` rows, made once per `n` */
  const texts = new Map<number, string>();
  const upsert = (sql: SQL, rows: CallRow[]) => {
    let text = texts.get(rows.length);
    if (text === undefined) texts.set(rows.length, (text = upsertText(rows.length)));
    return sql.unsafe(text, upsertArgs(rows));
  };

  const one = async <T>(id: string, pick: (row: typeof calls.$inferSelect) => T): Promise<T> => {
    const [row] = await db.select().from(calls).where(eq(calls.id, id)).limit(1);
    if (!row) throw new NotFound(`Call not found: ${id}`);
    return pick(row);
  };

  return {
    async get(id) {
      const [row] = await db.select(callColumns).from(calls).where(eq(calls.id, id)).limit(1);
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
      // As on SQLite: the scan walks the primary key from the oldest row up to `before`'s first id.
      const doomed = db
        .select({ id: calls.id })
        .from(calls)
        .where(
          and(
            lt(calls.id, uuidv7Floor(before)),
            or(
              and(inArray(calls.status, FINISHED), lt(calls.completedAt, before)),
              and(eq(calls.status, "running"), isNull(calls.leaseUntil), lt(calls.createdAt, before)),
            ),
          ),
        )
        .orderBy(calls.id)
        .limit(limit);
      return affected(await db.delete(calls).where(inArray(calls.id, doomed)));
    },

    async upsertMany(recorded) {
      if (recorded.length === 0) return;
      // One row per call, its last: PostgreSQL refuses to update a row twice in one statement.
      const last = new Map<string, CallRow>();
      for (const text of recorded) {
        const row = decodeRecordedRow(text);
        last.set(row.id, row);
      }
      const rows = [...last.values()];
      if (rows.length <= UPSERT_CHUNK) return void (await upsert(client, rows));
      // One transaction, as on SQLite: a batch is stored whole or not at all.
      await client.begin(async (tx) => {
        for (let i = 0; i < rows.length; i += UPSERT_CHUNK) await upsert(tx, rows.slice(i, i + UPSERT_CHUNK));
      });
    },
  };
}

/**
 * The recorder's upsert, one statement for many rows, written once from the schema's column names
 * rather than through Drizzle's builder, for the reason given in store/calls.ts (RECORDED).
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
  ["log", calls.log],
  ["output", calls.output],
] as const;

/** Rows per statement: 11 parameters each, far below PostgreSQL's 65,535. */
const UPSERT_CHUNK = 200;

const table = getTableName(calls);
const UPSERT_HEAD = `insert into ${table} (${RECORDED.map(([, c]) => c.name).join(", ")}) values `;
const UPSERT_TAIL = ` on conflict (${calls.id.name}) do update set ${[
  `${calls.status.name} = excluded.${calls.status.name}`,
  `${calls.startedAt.name} = coalesce(excluded.${calls.startedAt.name}, ${table}.${calls.startedAt.name})`,
  `${calls.completedAt.name} = excluded.${calls.completedAt.name}`,
  `${calls.error.name} = excluded.${calls.error.name}`,
  `${calls.log.name} = excluded.${calls.log.name}`,
  `${calls.output.name} = coalesce(excluded.${calls.output.name}, ${table}.${calls.output.name})`,
].join(", ")}`;

/** The statement for `n` rows; PostgreSQL numbers its parameters ($1, $2, ...). */
function upsertText(n: number): string {
  const rowsText = Array.from({ length: n }, (_, r) => `(${RECORDED.map((_, c) => `$${r * RECORDED.length + c + 1}`).join(", ")})`);
  return `${UPSERT_HEAD}${rowsText.join(", ")}${UPSERT_TAIL}`;
}

function upsertArgs(rows: CallRow[]): unknown[] {
  const args: unknown[] = [];
  for (const row of rows) {
    for (const [key, column] of RECORDED) {
      // A value the row lacks takes the column's default, as an insert that omits the column would.
      const value = row[key] ?? column.default ?? null;
      args.push(value === null ? null : column.mapToDriverValue(value as never));
    }
  }
  return args;
}
