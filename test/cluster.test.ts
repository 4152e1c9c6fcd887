/**
 * Several nodes on PostgreSQL behind nginx, as deploy/cluster.sh starts them (real PostgreSQL,
 * nginx and Docker): Authorization reaches the nodes through nginx; a function's calls meet one
 * node and /v1 calls are spread; through a SIGKILL of a node under mixed load and its restart,
 * sync calls to functions homed on other nodes see no errors, calls in flight on the dead node fail
 * with a 502, every accepted async call completes (retried ones show more than one attempt), a
 * route changed through one node is served in its new form by every node, and nothing the dead
 * process started is left in Docker; a second process with a live node's name is refused.
 * bench/cluster.ts measures the same scenario.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type Cluster, startCluster } from "./helpers/cluster.ts";
import { APP, call, crashScenario, createRoutes, envOn, FUNCTIONS, waitFor } from "./helpers/cluster-load.ts";
import { ensureImages } from "./helpers/images.ts";
import { hasNginx, hasPostgres } from "./helpers/postgres.ts";
import { startServer } from "./helpers/server.ts";

const runnable = hasPostgres() && hasNginx();
if (!runnable) console.warn("no PostgreSQL server or nginx here (apt-get install -y postgresql nginx): the cluster test is skipped");

/** The access log's lines for requests whose target starts with `prefix`: [target, upstream]. */
async function served(c: Cluster, prefix: string): Promise<[string, string][]> {
  return (await c.accessLog())
    .split("\n")
    .map((line) => /^\S+ \d+ "\w+ (\S+) [^"]*" (\S+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[1]!.startsWith(prefix))
    .map((m) => [m[1]!, m[2]!]);
}

describe.skipIf(!runnable)("three nodes on PostgreSQL behind nginx", () => {
  let c: Cluster;
  beforeAll(async () => {
    await ensureImages();
    // A dead node's claims return after 2 s without a heartbeat, long before their 30 s leases lapse.
    c = await startCluster({ nodes: 3, env: { HOTFN_NODE_TIMEOUT: "2000" } });
  }, 600_000);
  afterAll(async () => {
    await c?.down();
  }, 120_000);

  it("passes Authorization through to the nodes: no token or a wrong one is refused, the right one is let in", async () => {
    expect((await fetch(`${c.nginx}/v1/apps`)).status).toBe(401);
    expect((await fetch(`${c.nginx}/v1/apps`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    for (let i = 0; i < 6; i++) expect((await c.fetch("/v1/apps")).status).toBe(200);
  });

  it("sends each function's calls to one node, functions to several nodes, and spreads /v1 calls", async () => {
    await createRoutes(c);
    for (let round = 0; round < 3; round++) for (const f of FUNCTIONS) expect(await call(c, f)).toBe(200);
    for (let i = 0; i < 30; i++) expect((await c.fetch(`/v1/apps/${APP}/routes`)).status).toBe(200);
    // nginx writes its log every second
    await waitFor(async () => (await served(c, "/v1/apps/")).length >= 30, "nginx logged the /v1 calls", 10_000);
    const fnCalls = await served(c, `/r/${APP}/f`);
    const nodesOf = (target: string) => new Set(fnCalls.filter(([t]) => t === target).map(([, u]) => u));
    for (const f of FUNCTIONS) expect(nodesOf(`/r/${APP}${f}`).size).toBe(1);
    expect(new Set(fnCalls.map(([, u]) => u)).size).toBeGreaterThan(1);
    expect(new Set((await served(c, "/v1/apps/")).map(([, u]) => u)).size).toBe(3);
  });

  it("loses nothing when a node is SIGKILLed under mixed load and started again", async () => {
    const r = await crashScenario(c, { beforeMs: 1500, deadMs: 2500, afterMs: 1500, concurrency: 6, asyncEveryMs: 20, asyncMs: 300 });
    const statuses = (records: { status: number }[]) => records.reduce<Record<number, number>>((n, x) => ((n[x.status] = (n[x.status] ?? 0) + 1), n), {});

    // sync calls to functions homed on the other nodes: not one error
    expect(r.elsewhere.length).toBeGreaterThan(0);
    expect(statuses(r.elsewhere)).toEqual({ 200: r.elsewhere.length });
    // the calls running on the dead node fail cleanly, with nginx's 502
    expect(r.inFlight.map((x) => x.status)).toEqual([502, 502, 502]);
    // its functions' other calls succeed elsewhere, or, caught in the crash, fail with a 502
    expect(r.onVictim.filter((x) => x.status !== 200 && x.status !== 502)).toEqual([]);
    expect(r.onVictim.at(-1)?.status ?? 200).toBe(200);

    // every accepted async call ran to success; none is lost, none failed
    expect(r.accepted.length).toBeGreaterThan(50);
    expect(r.outcomes.length).toBe(r.accepted.length);
    expect(r.outcomes.filter((o) => o.status !== "success")).toEqual([]);
    // exactly once, or visibly retried: the calls the dead node held ran again, and say so
    for (const o of r.outcomes) expect(o.attempts).toBeGreaterThanOrEqual(1);
    expect(r.heldAtKill.length).toBeGreaterThan(0);
    for (const id of r.heldAtKill) {
      const outcome = r.outcomes.find((o) => o.id === id);
      expect(outcome?.status).toBe("success");
      expect(outcome?.attempts).toBeGreaterThanOrEqual(2);
    }

    // a route changed through one node is served in its new form by all of them
    expect([...r.propagation.keys()].sort()).toEqual(c.nodes.map((n) => n.name).sort());
    // the node is back, and what its dead process started is gone
    expect(r.leftBehind).toEqual([]);
    expect((await c.direct(r.victim, "/version")).status).toBe(200);
  }, 300_000);

  it("runs a route changed through one node from new containers on every node, and retires the old ones", async () => {
    for (const node of c.nodes) expect((await envOn(c, node, "/conf")).VERSION).toBe("1");
    const old = c.nodes.flatMap((node) => c.containers(node.name, APP, "/conf"));
    expect(old.length).toBeGreaterThanOrEqual(c.nodes.length);
    const patch = await c.direct(c.nodes[0]!, `/v1/apps/${APP}/routes/conf`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ route: { config: { VERSION: "2" } } }),
    });
    expect(patch.status).toBe(200);
    for (const node of c.nodes) await waitFor(async () => (await envOn(c, node, "/conf")).VERSION === "2", `${node.name} runs VERSION 2`, 30_000);
    const left = () => new Set(c.nodes.flatMap((node) => c.containers(node.name, APP, "/conf")));
    await waitFor(async () => old.every((id) => !left().has(id)), "every node removed its containers of VERSION 1", 30_000);
  }, 120_000);

  it("refuses to start a second process under a live node's name, saying why", async () => {
    const node = c.nodes[1]!;
    const err = await startServer({ env: { DB_URL: c.dbUrl, HOTFN_NODE: node.name, HOTFN_NODE_TIMEOUT: "2000" } }).catch((e: unknown) => e);
    // the reason, as hotfn logged it (JSON-escaped)
    expect(String(err)).toContain(`node name \\"${node.name}\\" is in use by a running hotfn`);
    expect((await c.direct(node, "/version")).status).toBe(200);
  }, 60_000);

  it("leaves no container behind once the nodes stop", async () => {
    await c.down();
    for (const node of c.nodes) expect(c.containers(node.name)).toEqual([]);
  }, 120_000);
});
