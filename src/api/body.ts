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
    throw new Invalid(text.trim() === "" ? "body is empty; a JSON object is required" : "body is not valid JSON");
  }
  return parse(schema, body);
}

/** Validates one URL or query parameter; the error names it (`app: app names are ...`). */
export function parseParam<S extends v.GenericSchema>(name: string, schema: S, input: unknown): v.InferOutput<S> {
  return parse(v.object({ [name]: schema }), { [name]: input })[name] as v.InferOutput<S>;
}

/** Validates `input`, throwing Invalid that names the first bad field (e.g. `route.memory`). */
export function parse<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0]!;
  const field = v.getDotPath(issue) ?? undefined;
  throw new Invalid(field ? `${field}: ${issue.message}` : issue.message, field);
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
