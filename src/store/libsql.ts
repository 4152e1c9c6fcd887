/**
 * The libSQL dialect: a local file (WAL, busy timeout), `:memory:`, or a remote libSQL server, its
 * migrations applied, and the SQLite repositories over it.
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { createAppRepo } from "./apps.ts";
import { createCallQueueRepo } from "./call-queue.ts";
import { createCallRepo } from "./calls.ts";
import { createChangeLogRepo } from "./change-log.ts";
import type { Dialect, StoreOptions } from "./index.ts";
import { migrate } from "./migrate.ts";
import { createNodeRepo } from "./nodes.ts";
import { createRowWriter } from "./recorder-writer.ts";
import { createRouteRepo } from "./routes.ts";
import { BUSY_TIMEOUT_MS, FILE_PRAGMAS, localFilePath } from "./sqlite-file.ts";

/**
 * How often a process reads the change log for other processes' writes: several processes may share
 * a file or a remote server, and SQLite tells none of them of the others' writes.
 */
const POLL_MS = 250;

export async function openLibsql({ url, authToken, maxAttempts, recorderThread, log }: StoreOptions): Promise<Dialect> {
  const local = url.startsWith("file:");
  const filePath = localFilePath(url);
  if (local) mkdirSync(dirname(filePath ?? url.slice("file:".length)), { recursive: true });
  // The busy timeout rides out the brief lock another process on the file (a second node, a restart
  // racing a dying one) may hold. Given to the client, it holds for every connection of its pool: a
  // PRAGMA would reach only the connection that ran it, and the others would fail at once.
  const client = createClient({ url, ...(authToken === undefined ? {} : { authToken }), ...(local ? { timeout: BUSY_TIMEOUT_MS } : {}) });
  if (local) for (const pragma of FILE_PRAGMAS) await client.execute(pragma);
  const applied = await migrate(client);
  if (applied.length > 0) log.info("database migrated", { applied });

  const db = drizzle(client);
  // A file on this machine only: `:memory:` is this connection's alone, and a server's writes are I/O.
  const recordWriter = filePath !== undefined && recorderThread !== undefined ? await createRowWriter(recorderThread, filePath, createCallRepo(db, client), log) : undefined;
  return {
    changeLog: createChangeLogRepo(db),
    repos(changed) {
      const apps = createAppRepo(db, changed);
      return {
        apps,
        routes: createRouteRepo(db, apps, changed),
        calls: createCallRepo(db, client),
        queue: createCallQueueRepo(db, maxAttempts === undefined ? {} : { maxAttempts }),
        nodes: createNodeRepo(db),
      };
    },
    // `:memory:` is this connection's alone: nobody else writes to it.
    pollMs: url === ":memory:" ? 0 : POLL_MS,
    recordWriter,
    async close() {
      await recordWriter?.close();
      client.close();
    },
  };
}
