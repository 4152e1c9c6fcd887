/**
 * What must hold when several processes share one database: run by test/store.test.ts for a libSQL
 * file and for PostgreSQL (`:memory:` belongs to one connection). The async queue's semantics —
 * bounds, claims on separate connections, leases, renewals, attempts, recovery — with a movable
 * clock; app and route writes of one process reaching another's change feed and route cache; node
 * heartbeats that keep a node name to one live process and return a dead node's claims.
 */
import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { Busy } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import type { CallOutcome } from "../../src/model.ts";
import { leaseOwner } from "../../src/queue/worker.ts";
import type { CallQueueOptions, CallQueueRepo, NewQueuedCall } from "../../src/store/call-queue.ts";
import { createNodeHeartbeat, NodeInUse } from "../../src/store/heartbeat.ts";
import type { Store } from "../../src/store/index.ts";
import { route } from "./store.ts";

/** One database, and ways in as separate processes would have them. */
export interface SharedDb {
  /** A Store on the database, as one more process opens it. */
  open(): Promise<Store>;
  /** A queue on a connection of its own, with this clock and attempt limit. */
  queue(opts: CallQueueOptions): CallQueueRepo;
  /** What the database keeps of a call's request and payload (null when dropped). */
  stored(id: string): Promise<{ payload: unknown; request: unknown }>;
  /** Closes everything opened through it. */
  close(): Promise<void>;
}

let seq = 0;
function newCall(over: Partial<NewQueuedCall> = {}): NewQueuedCall {
  seq++;
  return {
    // ids sort in creation order, as UUIDv7 do
    id: `0190000-${String(seq).padStart(6, "0")}`,
    appName: "app",
    path: "/hello",
    request: { method: "POST", url: "http://x/r/app/hello", headers: { "content-type": "text/plain" }, params: {} },
    payload: new TextEncoder().encode(`payload ${seq}`),
    createdAt: new Date(),
    ...over,
  };
}

/** A bound of `n` calls and plenty of bytes. */
const calls = (n: number) => ({ calls: n, bytes: 1 << 30 });

const ok = (out: string): CallOutcome => ({
  status: "success",
  startedAt: new Date(1_000_100),
  completedAt: new Date(1_000_200),
  error: null,
  log: "some stderr\n",
  output: new TextEncoder().encode(out),
});

/** Polls `check` until it holds; fails after `ms` (a bound on waiting, not a measurement). */
async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await Bun.sleep(20);
  }
}

const silent = createLogger("silent");

export function sharedStoreContract(name: string, makeDb: () => Promise<SharedDb>) {
  describe(`shared store contract: ${name}`, () => {
    let db: SharedDb;
    let w: { store: Store; clock: { t: number } };
    let q: CallQueueRepo;
    beforeEach(async () => {
      db = await makeDb();
      w = { store: await db.open(), clock: { t: 1_000_000 } };
      q = db.queue({ now: () => w.clock.t });
    });
    afterEach(async () => {
      await db.close();
    });

    describe("call queue", () => {
      it("stores an enqueued call as queued, visible through the calls repo at once", async () => {
        const c = newCall();
        await q.enqueue(c, calls(10));
        const got = await w.store.calls.get(c.id);
        expect(got.status).toBe("queued");
        expect(got.attempts).toBe(0);
        expect(got.startedAt).toBeNull();
        expect(await q.depth()).toBe(1);
      });

      it("hands out calls oldest first, each once, as running with a lease, then nothing", async () => {
        const a = newCall();
        const b = newCall();
        await q.enqueue(a, calls(10));
        await q.enqueue(b, calls(10));
        const first = await q.claim("w1", 1000);
        const second = await q.claim("w2", 1000);
        expect(first?.id).toBe(a.id);
        expect(second?.id).toBe(b.id);
        expect(await q.claim("w3", 1000)).toBeNull();
        expect(first?.attempts).toBe(1);
        expect(first?.leaseUntil).toBe(w.clock.t + 1000);
        expect(first?.request).toEqual(a.request);
        expect(new TextDecoder().decode(first?.payload)).toBe(new TextDecoder().decode(a.payload));
        expect((await w.store.calls.get(a.id)).status).toBe("running");
        expect((await w.store.calls.get(a.id)).startedAt).not.toBeNull();
        expect(await q.depth()).toBe(0);
      });

      it("never gives one call to two claimers on separate connections", async () => {
        const other = db.queue({ now: () => w.clock.t });
        const ids = [];
        for (let i = 0; i < 60; i++) {
          const c = newCall();
          ids.push(c.id);
          await q.enqueue(c, calls(1000));
        }
        const takers = [q, other, q, other, q, other].map(async (repo, i) => {
          const got: string[] = [];
          for (;;) {
            const c = await repo.claim(`taker-${i}`, 60_000);
            if (!c) return got;
            got.push(c.id);
          }
        });
        const all = (await Promise.all(takers)).flat();
        expect(all.sort()).toEqual(ids.sort());
      });

      it("claims many at once, oldest first and never more than asked; two batch claimers never share a call", async () => {
        const other = db.queue({ now: () => w.clock.t });
        const ids: string[] = [];
        for (let i = 0; i < 50; i++) {
          const c = newCall();
          ids.push(c.id);
          await q.enqueue(c, calls(1000));
        }
        const first = await q.claimMany("batch-0", 1000, 7);
        expect(first.map((c) => c.id)).toEqual(ids.slice(0, 7));
        expect(first.every((c) => c.attempts === 1)).toBe(true);
        const takers = [q, other, q, other].map(async (repo, i) => {
          const got: string[] = [];
          for (;;) {
            const batch = await repo.claimMany(`batch-${i + 1}`, 60_000, 5);
            expect(batch.length).toBeLessThanOrEqual(5);
            if (batch.length === 0) return got;
            got.push(...batch.map((c) => c.id));
          }
        });
        const rest = (await Promise.all(takers)).flat();
        expect(rest.sort()).toEqual(ids.slice(7).sort());
        expect(await q.depth()).toBe(0);
      });

      it("renews and records many claims in one batch, each only while its lease holds", async () => {
        const [a, b, c] = [newCall(), newCall(), newCall()];
        for (const x of [a, b, c]) await q.enqueue(x, calls(10));
        await q.claimMany("w1", 1000, 3);
        w.clock.t += 900;
        expect(await q.renewMany([{ id: a.id, owner: "w1" }, { id: b.id, owner: "someone-else" }, { id: c.id, owner: "w1" }], 1000)).toEqual([true, false, true]);
        // b's lease was not renewed: it lapses and another worker claims it
        w.clock.t += 200;
        expect((await q.claim("w2", 1000))?.id).toBe(b.id);
        const answers = await q.completeMany([
          { id: a.id, owner: "w1", outcome: ok("a done") },
          { id: b.id, owner: "w1", outcome: ok("stale") },
          { id: c.id, owner: "w1", outcome: ok("c done") },
        ]);
        expect(answers).toEqual([true, false, true]);
        const out = async (id: string) => new TextDecoder().decode((await w.store.calls.output(id)) ?? undefined);
        expect(await out(a.id)).toBe("a done");
        expect(await out(c.id)).toBe("c done");
        expect((await w.store.calls.get(b.id)).status).toBe("running");
        expect(await q.completeMany([])).toEqual([]);
      });

      it("lets a renewal batch and a completion batch over the same claims, in opposite orders on two connections, both go through", async () => {
        const other = db.queue({ now: () => w.clock.t });
        for (let round = 0; round < 5; round++) {
          const ids: string[] = [];
          for (let i = 0; i < 30; i++) {
            const c = newCall();
            ids.push(c.id);
            await q.enqueue(c, calls(1000));
          }
          const owner = `w-${round}`;
          expect((await q.claimMany(owner, 60_000, 30)).length).toBe(30);
          const held = ids.map((id) => ({ id, owner }));
          const [renewed, completed] = await Promise.all([
            q.renewMany(held, 60_000),
            other.completeMany([...held].reverse().map((h) => ({ ...h, outcome: ok("done") }))),
          ]);
          expect(completed).toEqual(held.map(() => true));
          expect(renewed.length).toBe(30);
          for (const id of ids) expect((await w.store.calls.get(id)).status).toBe("success");
        }
      });

      it("refuses with Busy at the bound, stores nothing then, and accepts again once a call is claimed", async () => {
        for (let i = 0; i < 3; i++) await q.enqueue(newCall(), calls(3));
        const refused = newCall();
        const err = await q.enqueue(refused, calls(3)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Busy);
        expect((err as Busy).retryAfterSeconds).toBeGreaterThan(0);
        await expect(w.store.calls.get(refused.id)).rejects.toThrow();
        expect(await q.depth()).toBe(3);
        await q.claim("w", 1000);
        await q.enqueue(newCall(), calls(3));
        expect(await q.depth()).toBe(3);
      });

      it("returns a call whose lease lapsed to the next claimer, counting the attempt", async () => {
        const c = newCall();
        await q.enqueue(c, calls(10));
        await q.claim("dead-worker", 1000);
        w.clock.t += 999;
        expect(await q.claim("w2", 1000)).toBeNull();
        w.clock.t += 2;
        const again = await q.claim("w2", 1000);
        expect(again?.id).toBe(c.id);
        expect(again?.attempts).toBe(2);
        // the dead worker's late result is not recorded over the live claim
        expect(await q.complete(c.id, "dead-worker", ok("late"))).toBe(false);
        expect(await q.complete(c.id, "w2", ok("fresh"))).toBe(true);
        expect(new TextDecoder().decode((await w.store.calls.output(c.id)) ?? undefined)).toBe("fresh");
      });

      it("keeps a renewed lease, and renews only for its owner", async () => {
        const c = newCall();
        await q.enqueue(c, calls(10));
        await q.claim("w1", 1000);
        w.clock.t += 900;
        expect(await q.renew(c.id, "w1", 1000)).toBe(true);
        expect(await q.renew(c.id, "w2", 1000)).toBe(false);
        w.clock.t += 900;
        expect(await q.claim("w2", 1000)).toBeNull();
        expect((await w.store.calls.get(c.id)).status).toBe("running");
      });

      it("records the outcome: status, times, error, log and output; the lease is gone after", async () => {
        const c = newCall();
        const d = newCall();
        await q.enqueue(c, calls(10));
        await q.enqueue(d, calls(10));
        await q.claim("w", 1000);
        await q.claim("w", 1000);
        expect(await q.complete(c.id, "w", ok("answer"))).toBe(true);
        const timedOut: CallOutcome = { status: "timeout", startedAt: null, completedAt: new Date(1_000_300), error: "function timed out after 1s", log: "partial", output: null };
        expect(await q.complete(d.id, "w", timedOut)).toBe(true);

        const done = await w.store.calls.get(c.id);
        expect(done.status).toBe("success");
        expect(done.startedAt?.getTime()).toBe(1_000_100);
        expect(done.completedAt?.getTime()).toBe(1_000_200);
        expect(await w.store.calls.log(c.id)).toBe("some stderr\n");
        expect(new TextDecoder().decode((await w.store.calls.output(c.id)) ?? undefined)).toBe("answer");

        const late = await w.store.calls.get(d.id);
        expect(late.status).toBe("timeout");
        expect(late.error).toBe("function timed out after 1s");
        expect(late.startedAt?.getTime()).toBe(1_000_000); // kept from the claim when the run has none

        // a second completion, or one after the lease would have lapsed, changes nothing
        expect(await q.complete(c.id, "w", { ...ok("again"), status: "error" })).toBe(false);
        w.clock.t += 10_000;
        expect(await q.claim("w2", 1000)).toBeNull();
        expect((await w.store.calls.get(c.id)).status).toBe("success");
      });

      it("stores a call whose request carries NUL (a decoded path parameter), each NUL as U+FFFD", async () => {
        const c = newCall({ request: { method: "POST", url: "http://x/r/app/hello/%00", headers: { "x-a": "b" }, params: { id: "a\0b" } } });
        await q.enqueue(c, calls(10));
        const claimed = await q.claim("w", 1000);
        expect(claimed?.request.params).toEqual({ id: "a\uFFFDb" });
        expect(claimed?.request.url).toBe("http://x/r/app/hello/%00");
      });

      it("records a log and an error with NUL in them whole, each NUL as U+FFFD (no database's text holds NUL)", async () => {
        const c = newCall();
        await q.enqueue(c, calls(10));
        await q.claim("w", 1000);
        const failed: CallOutcome = { status: "error", startedAt: null, completedAt: new Date(1_000_300), error: "bad\0exit", log: "before\0after\n", output: null };
        expect(await q.complete(c.id, "w", failed)).toBe(true);
        expect(await w.store.calls.log(c.id)).toBe("before\uFFFDafter\n");
        expect((await w.store.calls.get(c.id)).error).toBe("bad\uFFFDexit");
      });

      it("puts a released call back in the queue as if the claim had not happened: its attempt is not counted", async () => {
        const c = newCall();
        await q.enqueue(c, calls(10));
        await q.claim("w", 1000);
        expect(await q.release(c.id, "other")).toBe(false);
        expect(await q.release(c.id, "w")).toBe(true);
        const back = await w.store.calls.get(c.id);
        expect(back.status).toBe("queued");
        expect(back.startedAt).toBeNull();
        expect(back.attempts).toBe(0);
        expect(await q.depth()).toBe(1);
        expect((await q.claim("w", 1000))?.attempts).toBe(1);
      });

      it("ends a call as an error after its last attempt lapsed, and never hands it out again", async () => {
        const limited = db.queue({ now: () => w.clock.t, maxAttempts: 2 });
        const c = newCall();
        await limited.enqueue(c, calls(10));
        expect((await limited.claim("dies-1", 1000))?.attempts).toBe(1);
        w.clock.t += 1001;
        expect((await limited.claim("dies-2", 1000))?.attempts).toBe(2);
        w.clock.t += 1001;
        expect(await limited.claim("w3", 1000)).toBeNull();
        const ended = await w.store.calls.get(c.id);
        expect(ended.status).toBe("error");
        expect(ended.error).toContain("gave up after 2 attempts");
        expect(ended.completedAt).not.toBeNull();
        expect(await limited.depth()).toBe(0);
        expect(await limited.complete(c.id, "dies-2", ok("too late"))).toBe(false);
      });

      it("ends a dead predecessor's call that had its last attempt instead of taking it back", async () => {
        const limited = db.queue({ now: () => w.clock.t, maxAttempts: 1 });
        const c = newCall();
        await limited.enqueue(c, calls(10));
        await limited.claim("worker:n/boot1#1", 60_000);
        expect(await limited.releaseOwnedBy("worker:n/", "worker:n/boot2#")).toBe(1);
        expect((await w.store.calls.get(c.id)).status).toBe("error");
        expect(await limited.claim("w", 1000)).toBeNull();
      });

      it("bounds the bytes of queued payloads: Busy past it, room again once a call is claimed", async () => {
        const bound = { calls: 100, bytes: 100 };
        const big = (n: number) => newCall({ payload: new Uint8Array(n) });
        await q.enqueue(big(60), bound);
        await q.enqueue(big(40), bound);
        const refused = big(1);
        const err = await q.enqueue(refused, bound).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Busy);
        expect((err as Busy).message).toContain("100 of 100 bytes");
        await expect(w.store.calls.get(refused.id)).rejects.toThrow();
        await q.claim("w", 1000);
        await q.enqueue(big(60), bound);
        expect(await q.depth()).toBe(2);
      });

      it("drops the stored request and payload of a finished call", async () => {
        const c = newCall({ payload: new Uint8Array(1000) });
        await q.enqueue(c, calls(10));
        await q.claim("w", 1000);
        await q.complete(c.id, "w", ok("done"));
        expect(await db.stored(c.id)).toEqual({ payload: null, request: null });
      });

      it("takes back a dead predecessor's claims by owner prefix, not other owners'", async () => {
        const mine = newCall();
        const current = newCall();
        const theirs = newCall();
        for (const c of [mine, current, theirs]) await q.enqueue(c, calls(10));
        await q.claim("worker:node_a/boot1", 60_000);
        await q.claim("worker:node_a/boot2", 60_000);
        await q.claim("tasks", 60_000);
        expect(await q.releaseOwnedBy("worker:node_a/", "worker:node_a/boot2")).toBe(1);
        expect((await w.store.calls.get(mine.id)).status).toBe("queued");
        expect((await w.store.calls.get(current.id)).status).toBe("running");
        expect((await w.store.calls.get(theirs.id)).status).toBe("running");
      });

      it("counts only queued calls: sync call records written by the recorder leave the depth alone", async () => {
        await q.enqueue(newCall(), calls(10));
        w.store.recorder.started({ id: "sync-1", appName: "app", path: "/s", createdAt: new Date(), startedAt: new Date() });
        await w.store.recorder.flush();
        w.store.recorder.finished("sync-1", ok("x"));
        await w.store.recorder.flush();
        expect(await q.depth()).toBe(1);
        expect((await w.store.calls.get("sync-1")).status).toBe("success");
      });
    });

    describe("changes across processes", () => {
      it("carries one process's route and app writes to another's change feed and route cache", async () => {
        const other = await db.open();
        const seen: string[] = [];
        other.changes.on((c) => seen.push(`${c.kind} ${c.appName} ${c.path ?? ""}`.trim()));
        await w.store.routes.create(route("far", "/r", { image: "v1" }));
        expect((await other.routeCache.resolve("far", "/r")).route.image).toBe("v1");
        await w.store.routes.update("far", "/r", { image: "v2" });
        await w.store.apps.update("far", { config: { A: "1" } });
        await eventually(async () => seen.length >= 4, "the other process heard of four writes");
        expect(seen).toEqual(["created far", "created far /r", "updated far /r", "updated far"]);
        const now = await other.routeCache.resolve("far", "/r");
        expect(now.route.image).toBe("v2");
        expect(now.app.config).toEqual({ A: "1" });
        await w.store.routes.delete("far", "/r");
        await eventually(async () => seen.length >= 5, "the other process heard of the delete");
        await expect(other.routeCache.resolve("far", "/r")).rejects.toThrow("Route not found");
      });
    });

    describe("node heartbeats", () => {
      const heartbeat = (store: Store, node: string, instance: string, timeoutMs: number) =>
        createNodeHeartbeat({
          nodes: store.nodes,
          node,
          instance,
          timeoutMs,
          releaseClaimsOf: (n, i) => store.queue.releaseOwnedBy(`${leaseOwner(n, i)}#`),
          log: silent,
        });

      it("refuses a second live process the node name, and gives it once the holder stops or dies", async () => {
        const other = await db.open();
        const live = heartbeat(w.store, "n", "first", 500);
        await live.join();
        live.start();
        await expect(heartbeat(other, "n", "second", 500).join()).rejects.toBeInstanceOf(NodeInUse);
        await live.stop();
        await heartbeat(other, "n", "second", 500).join();
        // "second" dies without leaving (no heartbeat ever comes): a third takes the name once it lapses
        await heartbeat(w.store, "n", "third", 500).join();
        expect((await other.nodes.take("n", "fourth", 60_000))?.instance).toBe("third");
      });

      it("returns the claims of a node whose heartbeat lapsed to the queue, and no one else's", async () => {
        const other = await db.open();
        const live = db.queue({});
        await other.nodes.take("dead", "d1", 60_000);
        const alive = heartbeat(other, "alive", "a1", 500);
        await alive.join();
        alive.start();
        const watcher = heartbeat(w.store, "watcher", "w1", 500);
        try {
          const orphan = newCall();
          const held = newCall();
          const external = newCall();
          for (const c of [orphan, held, external]) await live.enqueue(c, calls(10));
          expect((await live.claim(`${leaseOwner("dead", "d1")}#1`, 60_000))?.id).toBe(orphan.id);
          expect((await live.claim(`${leaseOwner("alive", "a1")}#1`, 60_000))?.id).toBe(held.id);
          expect((await live.claim("tasks:external", 60_000))?.id).toBe(external.id);

          await watcher.join();
          watcher.start();
          await eventually(async () => (await w.store.calls.get(orphan.id)).status === "queued", "the dead node's call is queued again");
          expect(await other.nodes.take("dead", "d2", 60_000)).toBeNull();
          expect((await w.store.calls.get(held.id)).status).toBe("running");
          expect((await w.store.calls.get(external.id)).status).toBe("running");
          expect((await live.claim("w", 60_000))?.id).toBe(orphan.id);
        } finally {
          await watcher.stop();
          await alive.stop();
        }
      });
    });
  });
}
