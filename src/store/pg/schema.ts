/**
 * The PostgreSQL schema: the twin of `store/schema.ts`, table for table and column for column, so
 * both dialects keep the same records. drizzle-kit generates drizzle-pg/ from this file
 * (`bun run db:generate`). Times are bigint milliseconds, as on SQLite; keys sort bytewise
 * (COLLATE "C"), as on SQLite, whatever the database's locale.
 * @module
 */
import { sql } from "drizzle-orm";
import { bigint, customType, index, integer, pgTable, primaryKey } from "drizzle-orm/pg-core";
import type { CallRequest, CallStatus, HeaderMap, RouteFormat, RouteType, StringMap } from "../../model.ts";
import type { Change } from "../changes.ts";

const now = sql`((extract(epoch from clock_timestamp()) * 1000)::bigint)`;

/** A point in time kept as bigint milliseconds since the epoch (SQLite's `timestamp_ms`). */
const msTime = customType<{ data: Date; driverData: string | number }>({
  dataType: () => "bigint",
  toDriver: (d) => d.getTime(),
  fromDriver: (v) => new Date(Number(v)),
});

/** Text compared byte by byte: ids, names and paths sort as on SQLite, and as JavaScript sorts them. */
const key = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

const text = customType<{ data: string }>({ dataType: () => "text" });

/**
 * A JSON object in a jsonb column. Bun's client serialises a jsonb parameter itself, so the value
 * goes to it as an object (a string would be stored as a JSON string). Objects only: Bun sends a
 * top-level array as a PostgreSQL array.
 */
const json = <T>() =>
  customType<{ data: T; driverData: unknown }>({
    dataType: () => "jsonb",
    toDriver: (v) => v,
    fromDriver: (v) => (typeof v === "string" ? JSON.parse(v) : v) as T,
  });

const bytes = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export const apps = pgTable("apps", {
  name: key("name").primaryKey(),
  config: json<StringMap>()("config").notNull().default({}),
  createdAt: msTime("created_at").notNull().default(now),
  updatedAt: msTime("updated_at").notNull().default(now),
});

export const routes = pgTable(
  "routes",
  {
    appName: key("app_name").notNull().references(() => apps.name),
    path: key("path").notNull(),
    image: text("image").notNull(),
    type: text("type").$type<RouteType>().notNull(),
    format: text("format").$type<RouteFormat>().notNull(),
    memory: integer("memory").notNull(),
    timeout: integer("timeout").notNull(),
    idleTimeout: integer("idle_timeout").notNull(),
    user: text("user").notNull().default(""),
    headers: json<HeaderMap>()("headers").notNull().default({}),
    config: json<StringMap>()("config").notNull().default({}),
    createdAt: msTime("created_at").notNull().default(now),
    updatedAt: msTime("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.appName, t.path] })],
);

export const calls = pgTable(
  "calls",
  {
    /** UUIDv7: time-ordered, so ordering by id is ordering by creation */
    id: key("id").primaryKey(),
    appName: key("app_name").notNull(),
    path: key("path").notNull(),
    status: key("status").$type<CallStatus>().notNull(),
    createdAt: msTime("created_at").notNull(),
    startedAt: msTime("started_at"),
    completedAt: msTime("completed_at"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    log: text("log").notNull().default(""),
    /** async only: what the caller sent, replayed by the worker that claims the call */
    request: json<CallRequest>()("request"),
    payload: bytes("payload"),
    output: bytes("output"),
    /** async only: who holds the call and until when (ms since epoch); expired leases return it to the queue */
    leaseOwner: key("lease_owner"),
    leaseUntil: bigint("lease_until", { mode: "number" }),
  },
  (t) => [index("calls_by_route").on(t.appName, t.path, t.id), index("calls_by_status").on(t.status, t.id)],
);

/** Queued calls and their payload bytes, kept by triggers (drizzle-pg/0001_triggers.sql). One row, id 1. */
export const queueDepth = pgTable("queue_depth", {
  id: integer("id").primaryKey(),
  queued: integer("queued").notNull().default(0),
  queuedBytes: bigint("queued_bytes", { mode: "number" }).notNull().default(0),
});

/** One row per running hotfn process, by node name; see `store/schema.ts`. */
export const nodes = pgTable("nodes", {
  name: key("name").primaryKey(),
  instance: text("instance").notNull(),
  startedAt: bigint("started_at", { mode: "number" }).notNull(),
  beatAt: bigint("beat_at", { mode: "number" }).notNull(),
});

/**
 * Every app and route write, in commit order, appended by triggers that also NOTIFY `hotfn_changes`
 * (drizzle-pg/0001_triggers.sql); see `store/schema.ts`.
 */
export const changes = pgTable("changes", {
  seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  appName: key("app_name").notNull(),
  path: key("path"),
  kind: text("kind").$type<Change["kind"]>().notNull(),
  at: bigint("at", { mode: "number" }).notNull().default(now),
});
