/**
 * The PostgreSQL dialect, through Bun's built-in client (Bun.SQL, embedded in the executable; see
 * bench/README.md "PostgreSQL driver" for why not `pg`): a connection pool, the migrations applied,
 * the PostgreSQL repositories over it, and LISTEN on the change channel.
 * @module
 */
import { SQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import type { Dialect, StoreOptions } from "../index.ts";
import { createPgAppRepo } from "./apps.ts";
import { createPgCallQueueRepo } from "./call-queue.ts";
import { createPgCallRepo } from "./calls.ts";
import { createPgChangeLogRepo } from "./change-log.ts";
import { migratePostgres } from "./migrate.ts";
import { createPgNodeRepo } from "./nodes.ts";
import { createPgRouteRepo } from "./routes.ts";

/** The channel the change-log triggers NOTIFY on (drizzle-pg/0001_triggers.sql). */
const CHANGES_CHANNEL = "hotfn_changes";
/** NOTIFY brings changes at once; this poll only covers a listener that died unnoticed. */
const SAFETY_POLL_MS = 2000;

export async function openPostgres({ url, maxAttempts, log }: StoreOptions): Promise<Dialect> {
  const client = new SQL(url, { max: 10, idleTimeout: 60, connectionTimeout: 10 });
  try {
    const applied = await migratePostgres(client);
    if (applied.length > 0) log.info("database migrated", { applied });
  } catch (err) {
    await client.close();
    throw err;
  }

  const db = drizzle({ client });
  return {
    changeLog: createPgChangeLogRepo(db),
    repos(changed) {
      const apps = createPgAppRepo(db, changed);
      return {
        apps,
        routes: createPgRouteRepo(db, apps, changed),
        calls: createPgCallRepo(db, client),
        queue: createPgCallQueueRepo(db, maxAttempts === undefined ? {} : { maxAttempts }),
        nodes: createPgNodeRepo(db),
      };
    },
    pollMs: SAFETY_POLL_MS,
    async listen(poke) {
      // Bun's client reconnects a dropped listener and runs the second callback again: changes
      // NOTIFYed while it was away are read from the log then.
      const subscription = await client.listen(CHANGES_CHANNEL, poke, poke);
      return () => subscription.unlisten();
    },
    async close() {
      await client.close();
    },
  };
}
