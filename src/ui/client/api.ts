/**
 * The dashboard's only way to hotfn: the public /v1 API, with the token the user typed. The token
 * lives in sessionStorage (this tab, until it closes) and travels only in the Authorization header.
 * @module
 */

const TOKEN_KEY = "hotfn.token";

export const token = {
  get: (): string => sessionStorage.getItem(TOKEN_KEY) ?? "",
  set(value: string): void {
    if (value === "") sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  },
};

/** An answer other than 2xx; `message` is the API's own. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Called with every 401, so the page can ask for the token. */
let onUnauthorized: (err: ApiError) => void = () => {};
export function whenUnauthorized(handler: (err: ApiError) => void): void {
  onUnauthorized = handler;
}

/** Sends one request to the API; resolves with its JSON, rejects with ApiError carrying the API's message. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const t = token.get();
  if (t !== "") headers.authorization = `Bearer ${t}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method: init.method ?? "GET", headers, body: init.body === undefined ? null : JSON.stringify(init.body), cache: "no-store" });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    // not JSON: the status says what happened
  }
  if (!res.ok) {
    const message = (json as { error?: { message?: string } } | null)?.error?.message ?? `${res.status} ${res.statusText}`;
    const err = new ApiError(res.status, message);
    if (res.status === 401) onUnauthorized(err);
    throw err;
  }
  return json as T;
}

/** `/v1/apps/{app}/routes{path}`: app names and route paths hold only characters a URL path takes as they are. */
export const routeUrl = (app: string, path: string) => `/v1/apps/${encodeURIComponent(app)}/routes${path}`;

// The API's JSON, shared with the server and the command line (types only: nothing reaches the bundle).
export type { AppJson as App, CallJson as Call, FunctionSummary, RouteJson as Route, RouteTimeline, TimelineEvent } from "../../wire.ts";

