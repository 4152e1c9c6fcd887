/**
 * Opaque list cursors: the sort key of the last row of a page, base64url-encoded JSON. A cursor that
 * does not decode is the caller's mistake (400), not an empty page.
 * @module
 */
import { Invalid } from "../errors.ts";

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify([key])).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && typeof parsed[0] === "string") return parsed[0];
  } catch {
    // fall through to the error below
  }
  throw new Invalid("cursor is not one this server handed out", "cursor");
}

/** Given rows fetched with limit perPage+1, the page and the cursor of the next one. */
export function pageOf<T>(rows: T[], perPage: number, key: (row: T) => string) {
  const items = rows.slice(0, perPage);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > perPage && last ? encodeCursor(key(last)) : null };
}

export interface PageQuery {
  perPage: number;
  cursor?: string | undefined;
}
