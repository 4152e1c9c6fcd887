/**
 * Reading and validating request input at the edge, once: JSON bodies (415 for another media type,
 * 400 for malformed JSON or a bad field, naming the field) and list paging parameters.
 * @module
 */
import type { Context } from "hono";
import * as v from "valibot";
import { Invalid, UnsupportedMedia } from "../errors.ts";

export async function readJson<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const type = c.req.header("content-type") ?? "";
  // curl -d sends x-www-form-urlencoded unless told otherwise; v1 users' scripts rely on that working.
  if (type !== "" && !/^application\/([\w.+-]*\+)?json\b/i.test(type) && !/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new UnsupportedMedia(`body must be application/json, not ${type}`);
  }
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Invalid(text.trim() === "" ? "Invalid JSON: the body is empty; a JSON object is required" : "Invalid JSON: the body is not valid JSON");
  }
  return parse(schema, body);
}

/** Validates one URL or query parameter; the error names it (`app: app names are ...`). */
export function parseParam<S extends v.GenericSchema>(name: string, schema: S, input: unknown): v.InferOutput<S> {
  return parse(v.object({ [name]: schema }), { [name]: input })[name] as v.InferOutput<S>;
}

/**
 * How Fn named a bad field: its v1 clients and their users match on these words, so a message about
 * one of these fields starts with them (the detail follows after a colon).
 */
const FN_PHRASES: Record<string, string> = {
  app: "Invalid app name",
  "app.name": "Invalid app name",
  "route.path": "Invalid Path format",
  "route.type": "Invalid route Type",
  "route.format": "Invalid route Format",
  "route.image": "Invalid route Image",
};

/** Validates `input`, throwing Invalid that names the first bad field (e.g. `route.memory`). */
export function parse<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const misplaced = arrayForObject(schema, input, []);
  if (misplaced !== undefined) {
    const field = misplaced.path.join(".") || undefined;
    const phrase = field === undefined ? undefined : FN_PHRASES[field];
    const what = misplaced.message ?? `${field ?? "body"} must be an object`;
    throw new Invalid(`${phrase ? `${phrase}: ` : ""}${field ?? "body"}: must be an object, not a list (${what})`, field);
  }
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0]!;
  const field = v.getDotPath(issue) ?? undefined;
  const detail = field ? `${field}: ${issue.message}` : issue.message;
  const phrase = field === undefined ? undefined : FN_PHRASES[field];
  throw new Invalid(phrase ? `${phrase}: ${detail}` : detail, field);
}

/**
 * The path of the first list in `input` where `schema` wants an object or a record: valibot's
 * object and record schemas take a list as an object of its indices, and a list must not pass.
 */
function arrayForObject(schema: unknown, input: unknown, path: string[]): { path: string[]; message: string | undefined } | undefined {
  const s = schema as { type?: string; message?: unknown; pipe?: unknown[]; wrapped?: unknown; entries?: Record<string, unknown>; value?: unknown };
  if (s.pipe) return arrayForObject(s.pipe[0], input, path);
  if (s.wrapped) return input === undefined ? undefined : arrayForObject(s.wrapped, input, path);
  const objectLike = s.type === "object" || s.type === "loose_object" || s.type === "strict_object" || s.type === "record";
  if (!objectLike || input === null || typeof input !== "object") return undefined;
  if (Array.isArray(input)) return { path, message: typeof s.message === "string" ? s.message : undefined };
  const record = input as Record<string, unknown>;
  if (s.entries) {
    for (const [key, entry] of Object.entries(s.entries)) {
      const found = arrayForObject(entry, record[key], [...path, key]);
      if (found) return found;
    }
  } else if (s.value) {
    for (const [key, value] of Object.entries(record)) {
      const found = arrayForObject(s.value, value, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

export const MAX_PER_PAGE = 100;
export const DEFAULT_PER_PAGE = 30;

const perPage = v.pipe(
  v.string(),
  v.regex(/^\d+$/, `must be a whole number from 1 to ${MAX_PER_PAGE}`),
  v.transform(Number),
  v.minValue(1, `must be from 1 to ${MAX_PER_PAGE}`),
  v.maxValue(MAX_PER_PAGE, `must be from 1 to ${MAX_PER_PAGE}`),
);

/** `per_page` (default 30, max 100) and `cursor` from the query string. */
export function readPaging(c: Context): { perPage: number; cursor: string | undefined } {
  const raw = c.req.query("per_page");
  return {
    perPage: raw === undefined ? DEFAULT_PER_PAGE : parseParam("per_page", perPage, raw),
    cursor: c.req.query("cursor"),
  };
}
