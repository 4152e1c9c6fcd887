/**
 * The store: opens the database — libSQL (a file, `:memory:`, a remote server) or PostgreSQL, by
 * `DB_URL` — applies the embedded migrations, and hands out one repository per entity. Writes of
 * apps and routes reach every process's change feed, whichever process made them. Nothing here
 * knows about HTTP or Docker.
 * @module
 */
import type { Logger } from "../log.ts";
import type { Call, Page } from "../model.ts";
import type { AppRepo } from "./apps.ts";
import type { CallQueueRepo } from "./call-queue.ts";
import { createCallRecorder, type CallRecorder } from "./call-recorder.ts";
import type { CallListQuery, CallRepo } from "./calls.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { type ChangeLogRepo, createChangeWatcher } from "./change-watch.ts";
import { type ChangeFeed, createChangeFeed } from "./changes.ts";
import type { NodeRepo } from "./heartbeat.ts";
import { runtime } from "../runtime/index.ts";
import { openLibsql } from "./libsql.ts";
import { createRouteCache, type RouteCache } from "./route-cache.ts";
import type { RouteRepo } from "./routes.ts";

export interface Store {
  apps: AppRepo;
  routes: RouteRepo;
  calls: CallRepo;
  /** the async queue: enqueue, claims with leases, completion */
  queue: CallQueueRepo;
  /** buffered, batched writes of sync call records */
  recorder: CallRecorder;
  /** route lookups for the call path, invalidated by route and app writes of any process */
  routeCache: RouteCache;
  /** app and route changes, of this process and every other on the database */
  changes: ChangeFeed;
  /** who holds each node name, and their heartbeats */
  nodes: NodeRepo;
  /** Flushes pending call records, then closes the database. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** file:PATH, :memory:, libsql://, http(s)://, ws(s):// (libSQL) or postgres(ql):// (PostgreSQL) */
  url: string;
  authToken?: string | undefined;
  /** claims an async call may have before a lapsed one ends as an error (HOTFN_ASYNC_MAX_ATTEMPTS; default 3) */
  maxAttempts?: number;
  /**
   * The module of the thread that writes call records to a local libSQL file
   * (store/recorder-thread.ts), as the composition root resolves it: a compiled executable finds a
   * worker's module beside its entry point, not beside the module that starts it. Without it the
   * records are written on the event loop.
   */
  recorderThread?: string;
  log: Logger;
}

/** The repositories a dialect provides over its database. */
export interface DialectRepos {
  apps: AppRepo;
  routes: RouteRepo;
  calls: CallRepo;
  queue: CallQueueRepo;
  nodes: NodeRepo;
}

/** An open, migrated database of one dialect (libsql.ts, pg/open.ts). */
export interface Dialect {
  changeLog: ChangeLogRepo;
  /** `changed` is awaited after every app and route write (change-watch.ts `sync`) */
  repos(changed: () => Promise<void>): DialectRepos;
  /** how often to read the change log for other processes' writes, ms (0: never) */
  pollMs: number;
  /** PostgreSQL: calls `poke` on every change NOTIFY and on every (re)connect; resolves to unlisten */
  listen?(poke: () => void): Promise<() => Promise<void>>;
  /** where the call recorder writes, when not through the calls repository (a local file's writer thread) */
  recordWriter?: Pick<CallRepo, "upsertMany">;
  close(): Promise<void>;
}

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/**
 * The PostgreSQL dialect rides on Bun's built-in client, so it is loaded only for a postgres:// URL:
 * hotfn on Deno (libSQL only) never loads it.
 */
async function openPostgresDialect(opts: StoreOptions): Promise<Dialect> {
  if (runtime.name !== "bun") throw new Error(`DB_URL: PostgreSQL needs hotfn on Bun (its client is Bun's built-in SQL); on ${runtime.name}, use a libSQL file`);
  const { openPostgres } = await import("./pg/open.ts");
  return openPostgres(opts);
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  const dialect = isPostgresUrl(opts.url) ? await openPostgresDialect(opts) : await openLibsql(opts);
  const changes = createChangeFeed((err) => opts.log.error("change listener failed", { err }));
  const watcher = createChangeWatcher({
    log: dialect.changeLog,
    feed: changes,
    pollMs: dialect.pollMs,
    onError: (err) => opts.log.warn("change log not read; will read again", { err }),
  });
  const repos = dialect.repos(watcher.sync);
  let unlisten: (() => Promise<void>) | undefined;
  try {
    await watcher.start();
    unlisten = await dialect.listen?.(watcher.poke);
  } catch (err) {
    await watcher.stop();
    await dialect.close();
    throw err;
  }
  const recorder = createCallRecorder(dialect.recordWriter ?? repos.calls, opts.log);
  // Read-your-writes on this node: a call's record is served from the recorder's buffer until the
  // database has it, so it reads final the moment its answer was sent, and is listed so too.
  const calls: CallRepo = {
    ...repos.calls,
    get: async (id) => recorder.peek(id)?.call ?? repos.calls.get(id),
    log: async (id) => recorder.peek(id)?.log ?? repos.calls.log(id),
    list: async (appName, path, q) => withBuffered(await repos.calls.list(appName, path, q), recorder.buffered(appName, path), q),
  };

  return {
    ...repos,
    calls,
    recorder,
    routeCache: createRouteCache(repos.routes, repos.apps, changes),
    changes,
    async close() {
      await recorder.stop();
      await watcher.stop();
      await unlisten?.();
      await dialect.close();
    },
  };
}

/**
 * A stored page of a route's calls with the recorder's buffered calls laid over it: a buffered row
 * is newer than the stored one (a call listed running while its answer is already sent), and a call
 * may not be stored at all yet. The stored page came with the status filter applied to stored rows,
 * so a call whose buffered status no longer matches drops out (the page may then be short; the
 * cursor still goes on). Paging stays by id, newest first.
 */
function withBuffered(page: Page<Call>, buffered: Call[], q: CallListQuery): Page<Call> {
  if (buffered.length === 0) return page;
  const before = decodeCursor(q.cursor);
  const byId = new Map(page.items.map((c) => [c.id, c]));
  // Below the page's last stored call only if the stored list ends there: otherwise the calls
  // between belong to the next page, and come with it.
  const floor = page.nextCursor === null ? undefined : page.items.at(-1)?.id;
  for (const c of buffered) {
    if ((before === undefined || c.id < before) && (floor === undefined || c.id > floor || byId.has(c.id))) byId.set(c.id, c);
  }
  const merged = [...byId.values()].filter((c) => q.status === undefined || c.status === q.status).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const items = merged.slice(0, q.perPage);
  const more = page.nextCursor !== null || merged.length > q.perPage;
  const last = items.at(-1) ?? page.items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor(last.id) : null };
}
