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

export interface App {
  name: string;
  config: Record<string, string>;
}

export interface Route {
  app_name: string;
  path: string;
  image: string;
  type: string;
  format: string;
  memory: number;
  timeout: number;
  idle_timeout: number;
  headers: Record<string, string[]>;
  config: Record<string, string>;
}

export interface Call {
  id: string;
  status: string;
  created_at?: string;
  started_at?: string;
  completed_at?: string;
  error?: string;
}

export interface TimelineEvent {
  t: number;
  kind: "launch" | "start_failed" | "gone";
  reason: string;
}

export interface RouteTimeline {
  interval_ms: number;
  window_s: number;
  now: number;
  samples: {
    t: number[];
    idle: number[];
    busy: number[];
    starting: number[];
    queue: number[];
    calls: number[];
    errors: number[];
    wait_p99_ms: (number | null)[];
  };
  events: TimelineEvent[];
}

export interface FunctionSummary {
  app: string;
  route: string;
  idle: number;
  busy: number;
  starting: number;
  queue: number;
  calls_per_s: number;
  wait_p99_ms: number | null;
  launches: number;
  last_launch: TimelineEvent | null;
}

