/**
 * Starts a real hotfn process (`bun src/main.ts`, or the built binary) on a free port with a temp
 * libSQL file, and talks to it over HTTP. Each suite owns its server and its database.
 * With HOTFN_TEST_RUNTIME=deno the server runs from source under Deno instead (as `deno task start`
 * does), so the same HTTP-level tests check hotfn on Deno (`npm run test:deno`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IOFS_BASE, socketDirName } from "../../src/runner/formats/socket-dir.ts";

const ROOT = join(import.meta.dir, "../..");

/** The runtime `startServer` runs hotfn's source on: HOTFN_TEST_RUNTIME, bun unless it says deno. */
export const TEST_RUNTIME: "bun" | "deno" = process.env.HOTFN_TEST_RUNTIME === "deno" ? "deno" : "bun";

/** hotfn from source, as `npm start` (Bun) or `deno task start` (deno.json) runs it. */
export function sourceCommand(runtime: "bun" | "deno" = TEST_RUNTIME): string[] {
  if (runtime === "bun") return [process.execPath, join(ROOT, "src/main.ts")];
  return [join(ROOT, "node_modules/.bin/deno"), "run", "-A", "--v8-flags=--expose-gc", "--config", join(ROOT, "deno.json"), join(ROOT, "src/main.ts")];
}

export interface TestServer {
  url: string;
  /** HOTFN_NODE of this server: its containers carry the label hotfn.node=<node> */
  node: string;
  dir: string;
  dbUrl: string;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** everything the server logged so far (one JSON object per line) */
  logs(): string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** fetch + parse JSON; returns status, headers and body */
  json(path: string, init?: Omit<RequestInit, "body"> & { body?: unknown }): Promise<{ status: number; headers: Headers; body: any }>;
  /** SIGTERM and wait for exit (graceful); removes the temp dir unless keepDir. */
  stop(opts?: { keepDir?: boolean }): Promise<number>;
  /** SIGKILL: the server dies mid-work, as in a crash. Keeps the temp dir. */
  kill(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** run this executable instead of hotfn's source (see TEST_RUNTIME) */
  bin?: string;
  /** the runtime that runs hotfn's source when no `bin` is given (default TEST_RUNTIME) */
  runtime?: "bun" | "deno";
  /** arguments after the executable (`serve --port 0`) */
  args?: string[];
  cwd?: string;
  /** reuse a database (and dir) of an earlier server */
  dir?: string;
  /** a bearer token `fetch` and `json` send unless the request names its own Authorization */
  auth?: string;
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "hotfn-test-"));
  const dbUrl = `file:${join(dir, "hotfn.db")}`;
  // A node id of its own, so this server's start-up reconcile never removes another test's containers.
  const node = opts.env?.HOTFN_NODE ?? `test-${crypto.randomUUID().slice(0, 8)}`;
  const cmd = [...(opts.bin ? [opts.bin] : sourceCommand(opts.runtime)), ...(opts.args ?? [])];
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", PORT: "0", HOST: "127.0.0.1", DB_URL: dbUrl, LOG_LEVEL: "info", HOTFN_NODE: node, ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  // bun test runs no exit handlers: a test that fails before its stop() would leave the server
  // running. A watchdog shell outlives the test run by a second at most, then kills the server and
  // removes its containers; a server that exits takes its watchdog along.
  const watchdog = Bun.spawn(
    ["sh", "-c", `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${proc.pid} 2>/dev/null; do sleep 1; done; kill -9 ${proc.pid} 2>/dev/null; ids=$(docker ps -aq --filter label=hotfn.node=${node}); [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1`],
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  watchdog.unref();
  void proc.exited.then(() => watchdog.kill());

  let logText = "";
  let url: string | undefined;
  const listening = new Promise<string>((resolve, reject) => {
    const decoder = new TextDecoder();
    (async () => {
      for await (const chunk of proc.stderr) {
        logText += decoder.decode(chunk, { stream: true });
        if (url === undefined) {
          const m = /"msg":"listening","url":"([^"]+)"/.exec(logText);
          if (m) {
            url = m[1]!;
            resolve(url);
          }
        }
      }
      if (url === undefined) reject(new Error(`hotfn exited before listening:\n${logText}`));
    })().catch(reject);
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const base = await listening
    .catch((err: unknown) => {
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
      throw err;
    })
    .finally(() => clearTimeout(timer));

  const withAuth = (init: RequestInit = {}): RequestInit => {
    if (opts.auth === undefined) return init;
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${opts.auth}`);
    return { ...init, headers };
  };

  const server: TestServer = {
    url: base,
    node,
    dir,
    dbUrl,
    proc,
    logs: () => logText,
    fetch: (path, init) => fetch(`${base}${path}`, withAuth(init)),
    async json(path, init = {}) {
      const { body, ...rest } = init;
      const headers = new Headers(withAuth(rest).headers);
      if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
      const res = await fetch(`${base}${path}`, {
        ...rest,
        headers,
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text === "" ? null : JSON.parse(text);
      } catch {
        // not JSON: the raw text is returned
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async stop(o = {}) {
      proc.kill("SIGTERM");
      const code = await proc.exited;
      await removeLeftovers(node);
      if (!o.keepDir && !opts.dir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
  return server;
}

/**
 * Removes every container and socket directory a test server of `node` left behind (none, when it
 * stopped cleanly; a killed one leaves both).
 */
export async function removeLeftovers(node: string): Promise<void> {
  const ls = Bun.spawnSync(["docker", "ps", "-aq", "--filter", `label=hotfn.node=${node}`]);
  const ids = ls.exitCode === 0 ? ls.stdout.toString().split("\n").filter(Boolean) : []; // no engine: no containers
  if (ids.length > 0) Bun.spawnSync(["docker", "rm", "-f", ...ids]);
  // after the containers, whose sockets it holds
  rmSync(join(tmpdir(), IOFS_BASE, socketDirName(node)), { recursive: true, force: true });
}

/**
 * Function containers of `node` that exist now, running or not, carrying every `label=value` given
 * (not its network namespace holders: see holdersOf).
 */
export function containersOf(node: string, ...labels: string[]): string[] {
  return listContainers([`hotfn.node=${node}`, ...labels]).filter((c) => c.role !== "netns").map((c) => c.id);
}

/** The network namespace holders of `node` (hotfn.role=netns). */
export function holdersOf(node: string): string[] {
  return listContainers([`hotfn.node=${node}`, "hotfn.role=netns"]).map((c) => c.id);
}

/** One listing (a holder made between two listings must not pass for a function container). */
function listContainers(labels: string[]): { id: string; role: string }[] {
  const filters = labels.flatMap((l) => ["--filter", `label=${l}`]);
  const ls = Bun.spawnSync(["docker", "ps", "-a", "--no-trunc", "--format", '{{.ID}} {{.Label "hotfn.role"}}', ...filters]);
  return ls.stdout
    .toString()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id = "", role = ""] = line.split(" ");
      return { id: id.slice(0, 12), role };
    });
}
