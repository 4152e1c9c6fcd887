/**
 * Node rows on SQLite: who holds each node name and its last heartbeat, in the database's clock.
 * The contract is NodeRepo's (heartbeat.ts); the PostgreSQL twin is pg/nodes.ts.
 * @module
 */
import { and, eq, lt, or, sql } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import type { NodeRepo } from "./heartbeat.ts";
import { nodes } from "./schema.ts";

const dbNow = sql`cast(unixepoch('subsec') * 1000 as integer)`;

export function createNodeRepo(db: LibSQLDatabase): NodeRepo {
  const mine = (node: string, instance: string) => and(eq(nodes.name, node), eq(nodes.instance, instance));
  return {
    async take(node, instance, staleMs) {
      // The holder may vanish between the two statements (it left, or was reaped): then try again.
      for (let i = 0; i < 3; i++) {
        const taken = await db
          .insert(nodes)
          .values({ name: node, instance, startedAt: dbNow, beatAt: dbNow })
          .onConflictDoUpdate({
            target: nodes.name,
            set: { instance, startedAt: dbNow, beatAt: dbNow },
            setWhere: or(lt(nodes.beatAt, sql`${dbNow} - ${staleMs}`), eq(nodes.instance, instance)),
          })
          .returning({ name: nodes.name });
        if (taken.length > 0) return null;
        const holder = await db.select({ instance: nodes.instance, beatAt: nodes.beatAt }).from(nodes).where(eq(nodes.name, node)).get();
        if (holder) return holder;
      }
      throw new Error(`node name ${node} changed hands three times while this process tried to take it`);
    },

    async beat(node, instance) {
      const result = await db.update(nodes).set({ beatAt: dbNow }).where(mine(node, instance));
      return result.rowsAffected > 0;
    },

    async leave(node, instance) {
      await db.delete(nodes).where(mine(node, instance));
    },

    async reap(staleMs) {
      return db.delete(nodes).where(lt(nodes.beatAt, sql`${dbNow} - ${staleMs}`)).returning({ name: nodes.name, instance: nodes.instance });
    },
  };
}
