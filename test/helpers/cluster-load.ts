/**
 * Mixed load through a cluster's nginx, and the crash scenario that test/cluster.test.ts asserts and
 * bench/cluster.ts measures: sync calls to many functions and a stream of async calls while one node
 * is SIGKILLed and restarted, plus a route changed through one node and watched on every node.
 * Everything here records what happened; the callers decide what must hold.
 */
import type { Cluster, ClusterNode } from "./cluster.ts";
import { IMAGES } from "./images.ts";

export const APP = "cl";
/** sync functions, each sleeping the ms its body says: enough that every node is home to some */
export const FUNCTIONS = Array.from({ length: 9 }, (_, i) => `/f${i + 1}`);
/** what the load sends them: a call that runs for a millisecond */
const QUICK = "1";

export interface SyncRecord {
  route: string;
  status: number;
  /** ms since the load started, when the answer came */
  at: number;
  /** ms the call took */
  ms: number;
}

export interface Load {
  /** Stops after the calls in flight; every call's record, and the async call ids accepted (202). */
  stop(): Promise<{ sync: SyncRecord[]; accepted: string[]; refused: number[]; ms: number }>;
}

/** Creates the app's routes through nginx: FUNCTIONS, /conf and /flip (echo), /work (async). */
export async function createRoutes(c: Cluster): Promise<void> {
  const hot = { image: IMAGES.echo, format: "http-stream", idle_timeout: 120 };
  const routes = [
    ...FUNCTIONS.map((path) => ({ ...hot, path, config: { MODE: "sleep" } })),
    { ...hot, path: "/conf", config: { MODE: "echo", VERSION: "1" } },
    { ...hot, path: "/flip", config: { MODE: "echo" } },
    { ...hot, path: "/work", type: "async", config: { MODE: "sleep" } },
  ];
  for (const route of routes) {
    const res = await c.fetch(`/v1/apps/${APP}/routes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ route }) });
    // 409: an earlier step of the same test file made it
    if (res.status !== 200 && res.status !== 409) throw new Error(`route ${route.path} not created: ${res.status} ${await res.text()}`);
  }
}

/** A sync call through nginx; its status (0 when the connection itself failed). */
export async function call(c: Cluster, path: string, body = QUICK): Promise<number> {
  try {
    const res = await c.fetch(`/r/${APP}${path}`, { method: "POST", body });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** `concurrency` loops calling FUNCTIONS in turn, and one loop posting async calls (each sleeps `asyncMs`). */
export function startLoad(c: Cluster, opts: { concurrency: number; asyncEveryMs: number; asyncMs: number }): Load {
  const began = performance.now();
  const sync: SyncRecord[] = [];
  const accepted: string[] = [];
  const refused: number[] = [];
  let stopping = false;
  let turn = 0;
  const syncLoop = async () => {
    while (!stopping) {
      const route = FUNCTIONS[turn++ % FUNCTIONS.length]!;
      const t0 = performance.now();
      const status = await call(c, route);
      const t1 = performance.now();
      sync.push({ route, status, at: t1 - began, ms: t1 - t0 });
    }
  };
  const asyncLoop = async () => {
    while (!stopping) {
      const res = await c.fetch(`/r/${APP}/work`, { method: "POST", body: String(opts.asyncMs) }).catch(() => null);
      if (res?.status === 202) accepted.push(((await res.json()) as { call_id: string }).call_id);
      else refused.push(res?.status ?? 0);
      await Bun.sleep(opts.asyncEveryMs);
    }
  };
  const loops = [...Array.from({ length: opts.concurrency }, syncLoop), asyncLoop()];
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return { sync, accepted, refused, ms: performance.now() - began };
    },
  };
}

/** Polls `check` every `everyMs` until it holds; throws after `ms` (a bound on waiting, not a measurement). */
export async function waitFor(check: () => Promise<boolean>, what: string, ms = 60_000, everyMs = 50): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await Bun.sleep(everyMs);
  }
}

/** Waits until every accepted async call has ended; returns the rows of the accepted ones. */
export async function drained(c: Cluster, accepted: string[], ms = 120_000) {
  const want = new Set(accepted);
  let rows: { id: string; status: string; attempts: number }[] = [];
  await waitFor(
    async () => {
      rows = (await c.calls(APP, "/work")).filter((r) => want.has(r.id)).map(({ id, status, attempts }) => ({ id, status, attempts }));
      return rows.length === want.size && rows.every((r) => r.status !== "queued" && r.status !== "running");
    },
    "every accepted async call ended",
    ms,
  );
  return rows;
}

/**
 * Changes `path` through `via` and returns, per node, the ms until that node served the new form:
 * /flip turns from a sync route (200) into an async one (202), which takes no container start to
 * show, so the time is the change's propagation.
 */
export async function flipAndWatch(c: Cluster, via: ClusterNode): Promise<Map<string, number>> {
  for (const node of c.nodes) {
    const res = await c.direct(node, `/r/${APP}/flip`, { method: "POST", body: "warm" });
    if (res.status !== 200) throw new Error(`/flip on ${node.name}: ${res.status}`);
  }
  const t0 = performance.now();
  const res = await c.direct(via, `/v1/apps/${APP}/routes/flip`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ route: { type: "async" } }) });
  if (res.status !== 200) throw new Error(`PATCH /flip: ${res.status}`);
  const seen = new Map<string, number>();
  await Promise.all(
    c.nodes.map((node) =>
      waitFor(
        async () => {
          const r = await c.direct(node, `/r/${APP}/flip`, { method: "POST", body: "x" });
          await r.arrayBuffer();
          if (r.status === 202) seen.set(node.name, performance.now() - t0);
          return r.status === 202;
        },
        `${node.name} serves /flip as async`,
        10_000,
        5,
      ),
    ),
  );
  return seen;
}

/** Each node's answer to `body` "env" on `path`, called on that node directly: the function's env. */
export async function envOn(c: Cluster, node: ClusterNode, path: string): Promise<Record<string, string>> {
  const res = await c.direct(node, `/r/${APP}${path}`, { method: "POST", body: "env" });
  if (res.status !== 200) throw new Error(`${path} on ${node.name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}

/** Calls every function once through nginx, and waits until each has a hot container on its home node. */
export async function warm(c: Cluster): Promise<Map<string, string>> {
  await Promise.all(FUNCTIONS.map((path) => call(c, path)));
  let homes = new Map<string, string>();
  await waitFor(async () => {
    homes = c.homes(APP);
    return FUNCTIONS.every((p) => homes.has(p));
  }, "every function has a hot container");
  return homes;
}

export interface CrashOptions {
  /** ms of load before the crash, while the node is dead, and after it is back */
  beforeMs: number;
  deadMs: number;
  afterMs: number;
  concurrency: number;
  asyncEveryMs: number;
  /** how long each async call runs */
  asyncMs: number;
}

export interface CrashReport {
  victim: ClusterNode;
  /** sync calls to functions whose home (before the crash) is another node */
  elsewhere: SyncRecord[];
  /** sync calls to functions homed on the victim */
  onVictim: SyncRecord[];
  /** the slow calls in flight on the victim when it died: status, and ms from the kill to the answer */
  inFlight: { status: number; ms: number }[];
  /** the async calls the victim's workers held when it died */
  heldAtKill: string[];
  accepted: string[];
  refused: number[];
  outcomes: { id: string; status: string; attempts: number }[];
  /** the dead process's containers still there once the node is back */
  leftBehind: string[];
  /** ms from starting the node again to its listening */
  restartMs: number;
  loadMs: number;
  /** per node, ms until a route changed through another node was served in its new form */
  propagation: Map<string, number>;
}

/**
 * Mixed load through nginx; the node home to the most functions is SIGKILLed while three slow calls
 * run on it and its workers hold async calls, then started again; the load stops, /flip is changed
 * through a surviving node and watched on every node, and every accepted async call is waited for.
 */
export async function crashScenario(c: Cluster, o: CrashOptions): Promise<CrashReport> {
  await createRoutes(c);
  const homes = await warm(c);
  const homedOn = (node: ClusterNode) => FUNCTIONS.filter((f) => homes.get(f) === node.name);
  const victim = c.nodes.reduce((a, b) => (homedOn(b).length > homedOn(a).length ? b : a));
  if (homedOn(victim).length === FUNCTIONS.length) throw new Error("every function is homed on one node: add functions");

  const load = startLoad(c, { concurrency: o.concurrency, asyncEveryMs: o.asyncEveryMs, asyncMs: o.asyncMs });
  await Bun.sleep(o.beforeMs);
  let killedAt = 0;
  const inFlight = Array.from({ length: 3 }, async () => {
    const status = await call(c, homedOn(victim)[0]!, "4000");
    return { status, ms: performance.now() - killedAt };
  });
  await Bun.sleep(500);
  const owner = `worker:${victim.name}/`;
  const held = async () => (await c.calls(APP, "/work", "running")).filter((r) => r.leaseOwner?.startsWith(owner)).map((r) => r.id);
  await waitFor(async () => (await held()).length > 0, "the victim's workers hold an async call", 30_000, 5);
  const victimContainers = c.containers(victim.name);
  killedAt = performance.now();
  await c.kill(victim.n);
  // What it held when it died: a dead process finishes nothing, but a statement it sent just before
  // (a batch of outcomes, a refused claim handed back) may still commit after the kill. So: what it
  // holds right after the kill and still 300 ms later — long before its heartbeat lapses (2 s) and
  // another node may take its claims.
  const justAfter = await held();
  await Bun.sleep(300);
  const stillHeld = new Set(await held());
  const heldAtKill = justAfter.filter((id) => stillHeld.has(id));
  const settled = await Promise.all(inFlight);
  await Bun.sleep(o.deadMs);
  const restarting = performance.now();
  await c.start(victim.n);
  const restartMs = performance.now() - restarting;
  await Bun.sleep(o.afterMs);
  const { sync, accepted, refused, ms } = await load.stop();

  const survivor = c.nodes.find((n) => n !== victim)!;
  const propagation = await flipAndWatch(c, survivor);
  const outcomes = await drained(c, [...new Set([...accepted, ...heldAtKill])]);
  const now = new Set(c.containers(victim.name));
  return {
    victim,
    elsewhere: sync.filter((r) => homes.get(r.route) !== victim.name),
    onVictim: sync.filter((r) => homes.get(r.route) === victim.name),
    inFlight: settled,
    heldAtKill,
    accepted,
    refused,
    outcomes,
    leftBehind: victimContainers.filter((id) => now.has(id)),
    restartMs,
    loadMs: ms,
    propagation,
  };
}
