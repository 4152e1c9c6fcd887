/**
 * The store: opens the libSQL database (file, :memory: or remote), applies the embedded migrations,
 * and hands out one repository per entity. Nothing here knows about HTTP or Docker.
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import type { Logger } from "../log.ts";
import { type AppRepo, createAppRepo } from "./apps.ts";
import { type CallQueueRepo, createCallQueueRepo } from "./call-queue.ts";
import { createCallRecorder, type CallRecorder } from "./call-recorder.ts";
import { type CallRepo, createCallRepo } from "./calls.ts";
import { type ChangeFeed, createChangeFeed } from "./changes.ts";
import { migrate } from "./migrate.ts";
import { createRouteCache, type RouteCache } from "./route-cache.ts";
import { createRouteRepo, type RouteRepo } from "./routes.ts";

export interface Store {
  apps: AppRepo;
  routes: RouteRepo;
  calls: CallRepo;
  /** the async queue: enqueue, claims with leases, completion */
  queue: CallQueueRepo;
  /** buffered, batched writes of sync call records */
  recorder: CallRecorder;
  /** route lookups for the call path, invalidated by route and app writes */
  routeCache: RouteCache;
  /** app and route changes, for whoever holds state derived from them */
  changes: ChangeFeed;
  /** Flushes pending call records, then closes the database. */
  close(): Promise<void>;
}

export interface StoreOptions {
  url: string;
  authToken?: string | undefined;
  /** claims an async call may have before a lapsed one ends as an error (HOTFN_ASYNC_MAX_ATTEMPTS; default 3) */
  maxAttempts?: number;
  log: Logger;
}

export async function openStore({ url, authToken, maxAttempts, log }: StoreOptions): Promise<Store> {
  const local = url.startsWith("file:");
  if (local) mkdirSync(dirname(url.slice("file:".length)), { recursive: true });
  const client = createClient(authToken === undefined ? { url } : { url, authToken });
  if (local) {
    // WAL lets readers (the calls API) run while the recorder writes; the busy timeout rides out the
    // brief lock a second process (a restart racing a dying one) may hold.
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA busy_timeout = 5000");
    await client.execute("PRAGMA synchronous = NORMAL");
    // After a checkpoint the WAL file is cut back to this size instead of keeping its high-water mark.
    await client.execute("PRAGMA journal_size_limit = 67108864");
  }
  const applied = await migrate(client);
  if (applied.length > 0) log.info("database migrated", { applied });

  const db = drizzle(client);
  const changes = createChangeFeed((err) => log.error("change listener failed", { err }));
  const apps = createAppRepo(db, changes);
  const routes = createRouteRepo(db, apps, changes);
  const stored = createCallRepo(db, client);
  const recorder = createCallRecorder(stored, log);
  // Read-your-writes on this node: a call's record is served from the recorder's buffer until the
  // database has it, so it reads final the moment its answer was sent.
  const calls: CallRepo = {
    ...stored,
    get: async (id) => recorder.peek(id)?.call ?? stored.get(id),
    log: async (id) => recorder.peek(id)?.log ?? stored.log(id),
  };
  const routeCache = createRouteCache(routes, apps, changes);

  return {
    apps,
    routes,
    calls,
    queue: createCallQueueRepo(db, maxAttempts === undefined ? {} : { maxAttempts }),
    recorder,
    routeCache,
    changes,
    async close() {
      await recorder.stop();
      client.close();
    },
  };
}
