/**
 * Route paths: what a valid one looks like, and matching a request path against route patterns
 * (`/users/:id` binds `id`). Pure functions; the API validates with the first, the cache matches
 * with the second.
 * @module
 */

const SEGMENT = /^(:[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9._~!$&'()*+,;=@-]+)$/;
export const MAX_PATH_LENGTH = 1024;

/** Why `path` cannot be a route path, or undefined when it can. */
export function routePathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "must start with /";
  if (path.length > MAX_PATH_LENGTH) return `must be at most ${MAX_PATH_LENGTH} characters`;
  const segments = path.slice(1).split("/");
  const names = new Set<string>();
  for (const s of segments) {
    if (s === "") return "must not have empty segments (// or a trailing /)";
    if (s === "." || s === "..") return "must not contain . or .. segments";
    if (!SEGMENT.test(s)) return `segment ${JSON.stringify(s)} has characters a route path cannot hold`;
    if (s.startsWith(":")) {
      if (names.has(s)) return `parameter ${s} appears twice`;
      names.add(s);
    }
  }
  return undefined;
}

export function isPattern(path: string): boolean {
  return path.includes("/:");
}

/** What a pattern matches, whatever its parameters are named: `/w/:a` and `/w/:b` share `/w/:`. */
export function pathShape(path: string): string {
  return path.replace(/\/:[A-Za-z_][A-Za-z0-9_]*/g, "/:");
}

/** The params bound when `path` matches `pattern`, or null when it does not. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(":")) {
      if (g === "") return null;
      params[w.slice(1)] = safeDecode(g);
    } else if (w !== g) return null;
  }
  return params;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
