/**
 * The CLI's client of a hotfn server's v1 API: JSON in and out, the bearer token on every request,
 * and the server's own error message when it says no.
 * @module
 */

/** The server answered with an error status; `message` is its `{"error":{"message"}}` (plus a hint). */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = "ApiError";
  }
}

/** No server answered at the API URL. */
export class Unreachable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Unreachable";
  }
}

export interface ApiClient {
  /** the server's base URL, without a trailing slash */
  readonly url: string;
  /** A /v1 (or /version) request with a JSON body; resolves with the JSON answer. Throws ApiError or Unreachable. */
  json<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** A request as it is (for /r calls and text logs); never throws on an error status. Throws Unreachable. */
  raw(method: string, path: string, init?: { body?: Uint8Array<ArrayBuffer> | string; headers?: Record<string, string> }): Promise<Response>;
}

export interface ClientOptions {
  apiUrl: string;
  token: string | undefined;
}

export function createClient({ apiUrl, token }: ClientOptions): ApiClient {
  const url = apiUrl.replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(url)) throw new Unreachable(`HOTFN_API_URL ${JSON.stringify(apiUrl)} is not an http:// or https:// URL`);

  const raw: ApiClient["raw"] = async (method, path, init = {}) => {
    const headers = new Headers(init.headers);
    if (token !== undefined) headers.set("Authorization", `Bearer ${token}`);
    try {
      return await fetch(`${url}${path}`, { method, headers, body: init.body, redirect: "manual" });
    } catch (err) {
      throw new Unreachable(`cannot reach hotfn at ${url} (${(err as { code?: string }).code ?? (err as Error).message}): start it with \`hotfn serve\`, or point HOTFN_API_URL at it`, { cause: err });
    }
  };

  return {
    url,
    raw,
    async json(method, path, body) {
      const res = await raw(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text === "" ? {} : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!res.ok) throw apiError(res.status, parsed, text);
      if (parsed === undefined) throw new ApiError(res.status, `the server at ${url} did not answer JSON: ${text.slice(0, 200)}`);
      return parsed as any;
    },
  };
}

/** The error the server sent, with a hint where the fix is on this side (a missing or wrong token). */
export function apiError(status: number, parsed: unknown, text: string): ApiError {
  const message = (parsed as { error?: { message?: unknown } } | undefined)?.error?.message;
  let said = typeof message === "string" ? message : `HTTP ${status}${text.trim() === "" ? "" : `: ${text.trim().slice(0, 200)}`}`;
  if (status === 401) said += " (set HOTFN_TOKEN, or FN_TOKEN, to the server's API token)";
  if (status === 403) said += " (the token in HOTFN_TOKEN, or FN_TOKEN, is not allowed to do this)";
  return new ApiError(status, said);
}

/** `encodeURIComponent` for each segment of a route path, keeping its slashes: `/a b/c` → `/a%20b/c`. */
export function pathParam(path: string): string {
  return (path.startsWith("/") ? path : `/${path}`).split("/").map(encodeURIComponent).join("/");
}
