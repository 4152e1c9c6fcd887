/**
 * What Bun's PostgreSQL client reports beside the rows of a statement, which Drizzle's types omit.
 * @module
 */

/** Rows an INSERT, UPDATE or DELETE without RETURNING touched (Bun's `count`). */
export function affected(result: unknown): number {
  return (result as { count?: number | null }).count ?? 0;
}
