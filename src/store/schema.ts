/**
 * The SQLite (libSQL) schema: apps, routes, calls, the async queue's depth counter, the nodes'
 * heartbeats and the change log. drizzle-kit generates migrations from this file (`bun run
 * db:generate`); its PostgreSQL twin is `store/pg/schema.ts`, and the two must keep the same tables.
 * @module
 */
import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { CallRequest, CallStatus, HeaderMap, RouteFormat, RouteType, StringMap } from "../model.ts";
import type { Change } from "./changes.ts";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const apps = sqliteTable("apps", {
  name: text("name").primaryKey(),
  config: text("config", { mode: "json" }).$type<StringMap>().notNull().default({}),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(now),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
});

export const routes = sqliteTable(
  "routes",
  {
    appName: text("app_name").notNull().references(() => apps.name),
    path: text("path").notNull(),
    image: text("image").notNull(),
    type: text("type").$type<RouteType>().notNull(),
    format: text("format").$type<RouteFormat>().notNull(),
    memory: integer("memory").notNull(),
    timeout: integer("timeout").notNull(),
    idleTimeout: integer("idle_timeout").notNull(),
    user: text("user").notNull().default(""),
    headers: text("headers", { mode: "json" }).$type<HeaderMap>().notNull().default({}),
    config: text("config", { mode: "json" }).$type<StringMap>().notNull().default({}),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(now),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.appName, t.path] })],
);

export const calls = sqliteTable(
  "calls",
  {
    /** UUIDv7: time-ordered, so ordering by id is ordering by creation */
    id: text("id").primaryKey(),
    appName: text("app_name").notNull(),
    path: text("path").notNull(),
    status: text("status").$type<CallStatus>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    completedAt: integer("completed_at", { mode: "timestamp_ms" }),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    log: text("log").notNull().default(""),
    /** async only: what the caller sent, replayed by the worker that claims the call */
    request: text("request", { mode: "json" }).$type<CallRequest>(),
    payload: blob("payload", { mode: "buffer" }),
    output: blob("output", { mode: "buffer" }),
    /** async only: who holds the call and until when (ms since epoch); expired leases return it to the queue */
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until"),
  },
  (t) => [
    index("calls_by_route").on(t.appName, t.path, t.id),
    // also serves the queue: its claim (the oldest `queued` id) and its lapsed-lease sweep (the few
    // `running` rows)
    index("calls_by_status").on(t.status, t.id),
  ],
);

/**
 * How many calls are `queued` and how many payload bytes they hold, kept by triggers on `calls` (drizzle/0002_queue_depth_triggers.sql,
 * written by hand: drizzle-kit does not generate triggers), so the enqueue bound reads one row
 * instead of counting the whole queue. Always one row, id 1.
 */
export const queueDepth = sqliteTable("queue_depth", {
  id: integer("id").primaryKey(),
  queued: integer("queued").notNull().default(0),
  /** bytes of the queued calls' payloads, for HOTFN_MAX_QUEUED_BYTES (drizzle/0004_queued_bytes_triggers.sql) */
  queuedBytes: integer("queued_bytes").notNull().default(0),
});

/**
 * One row per running hotfn process, by node name (HOTFN_NODE): `instance` is the process, `beat_at`
 * its last heartbeat (ms, the database's clock). A node whose heartbeat lapsed is dead: its async
 * claims go back to the queue and a new process may take its name (store/heartbeat.ts).
 */
export const nodes = sqliteTable("nodes", {
  name: text("name").primaryKey(),
  instance: text("instance").notNull(),
  startedAt: integer("started_at").notNull(),
  beatAt: integer("beat_at").notNull(),
});

/**
 * Every app and route write, in commit order, appended by triggers (drizzle/0006_change_log_triggers.sql,
 * written by hand), so every process on the database learns of writes made by the others
 * (store/change-watch.ts). Pruned after an hour.
 */
export const changes = sqliteTable("changes", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  appName: text("app_name").notNull(),
  /** null when the app itself changed */
  path: text("path"),
  kind: text("kind").$type<Change["kind"]>().notNull(),
  /** ms since epoch, the database's clock */
  at: integer("at").notNull().default(now),
});
