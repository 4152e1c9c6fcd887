/**
 * Reading a whole v1 list: the server answers pages of at most 100 with an opaque `next_cursor`.
 * @module
 */
import type { ApiClient } from "./client.ts";

/** Every item of the list at `path` (under `key`), page after page, at most `limit` of them. */
export async function listAll<T>(client: ApiClient, path: string, key: string, limit = Number.POSITIVE_INFINITY, query: Record<string, string> = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const params = new URLSearchParams({ ...query, per_page: String(Math.min(100, limit - items.length)) });
    if (cursor !== undefined) params.set("cursor", cursor);
    const page = await client.json<Record<string, unknown>>("GET", `${path}?${params}`);
    items.push(...((page[key] as T[] | undefined) ?? []));
    cursor = typeof page.next_cursor === "string" && page.next_cursor !== "" ? page.next_cursor : undefined;
  } while (cursor !== undefined && items.length < limit);
  return items;
}
