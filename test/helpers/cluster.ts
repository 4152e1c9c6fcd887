/**
 * A hotfn cluster for tests and benches: `deploy/cluster.sh up` (PostgreSQL, N nodes from the
 * sources, nginx in front) in a temp dir, with an API token so every /v1 call through nginx carries
 * Authorization, and ways to crash and restart a node, find where functions are homed, and read
 * the calls table. `down()` stops everything by PID and removes what the nodes left in Docker.
 */
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cluster, readClusterEnv } from "./postgres.ts";
import { removeLeftovers } from "./server.ts";

const ROOT = join(import.meta.dir, "../..");

export interface ClusterNode {
  n: number;
  name: string;
  url: string;
}

export interface Cluster {
  nginx: string;
  nodes: ClusterNode[];
  dbUrl: string;
  token: string;
  /** fetch through nginx; /v1 calls carry the API token */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** fetch one node directly, with the API token */
  direct(node: ClusterNode, path: string, init?: RequestInit): Promise<Response>;
  /** SIGKILL node n (a crash) */
  kill(n: number): Promise<void>;
  /** starts node n again; resolves once it listens */
  start(n: number): Promise<void>;
  /** the node holding a hot container of each route of `app` */
  homes(app: string): Map<string, string>;
  /** ids of the containers node `name` has now (of one route of `app`, when given) */
  containers(name: string, app?: string, route?: string): string[];
  /** nginx's access log so far: one line per request, `time status "request" upstream upstream_status seconds` */
  accessLog(): Promise<string>;
  /** rows of the calls table, read directly (of one status, when given) */
  calls(app: string, path: string, status?: string): Promise<{ id: string; status: string; attempts: number; leaseOwner: string | null }[]>;
  down(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  /** settings every node gets (HOTFN_NODE_TIMEOUT, ...) */
  env?: Record<string, string>;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "hotfn-cluster-"));
  const token = Bun.randomUUIDv7().replaceAll("-", "");
  const prefix = `cl-${crypto.randomUUID().slice(0, 6)}`;
  // The nodes run from the sources, as the other behaviour tests do (dist/hotfn may be stale).
  const env = { HOTFN_API_TOKEN: token, HOTFN_BIN: `${process.execPath} ${join(ROOT, "src/main.ts")}`, NODE_PREFIX: prefix, ...opts.env };
  const run = (...args: string[]) => cluster(args, env);
  const names = Array.from({ length: opts.nodes }, (_, i) => `${prefix}-${i + 1}`);
  const cleanUp = async () => {
    await cluster(["down", dir]).catch((err: unknown) => console.error(String(err)));
    for (const name of names) await removeLeftovers(name);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run("up", dir, String(opts.nodes));
  } catch (err) {
    await cleanUp();
    throw err;
  }
  const e = readClusterEnv(dir);
  const nodes = names.map((name, i) => ({ n: i + 1, name, url: e[`NODE_${i + 1}_URL`]! }));
  const db = new SQL(e.DB_URL!, { max: 2 });
  const withToken = (init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    return { ...init, headers };
  };
  let down = false;
  const docker = (...args: string[]) => Bun.spawnSync(["docker", ...args]).stdout.toString().split("\n").filter(Boolean);

  return {
    nginx: e.NGINX_URL!,
    nodes,
    dbUrl: e.DB_URL!,
    token,
    fetch: (path, init) => fetch(`${e.NGINX_URL}${path}`, path.startsWith("/v1") ? withToken(init) : init),
    direct: (node, path, init) => fetch(`${node.url}${path}`, withToken(init)),
    kill: async (n) => void (await run("kill", dir, String(n))),
    start: async (n) => void (await run("start", dir, String(n))),
    homes(app) {
      const lines = docker("ps", "--filter", `label=hotfn.app=${app}`, "--format", '{{.Label "hotfn.route"}} {{.Label "hotfn.node"}}');
      const homes = new Map<string, string>();
      for (const line of lines) {
        const [route, node] = line.split(" ");
        if (route && node && names.includes(node)) homes.set(route, node);
      }
      return homes;
    },
    accessLog: async () => {
      const file = Bun.file(join(dir, "nginx/logs/access.log"));
      return (await file.exists()) ? file.text() : "";
    },
    containers: (name, app, route) =>
      docker("ps", "-aq", "--filter", `label=hotfn.node=${name}`, ...(app && route ? ["--filter", `label=hotfn.app=${app}`, "--filter", `label=hotfn.route=${route}`] : [])),
    calls: (app, path, status) =>
      status === undefined
        ? db`SELECT id, status, attempts, lease_owner AS "leaseOwner" FROM calls WHERE app_name = ${app} AND path = ${path}`
        : db`SELECT id, status, attempts, lease_owner AS "leaseOwner" FROM calls WHERE app_name = ${app} AND path = ${path} AND status = ${status}`,
    async down() {
      if (down) return;
      down = true;
      await db.close();
      await cleanUp();
    },
  };
}
