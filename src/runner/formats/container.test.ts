import { describe, expect, it } from "bun:test";
import type { DemuxSinks } from "../../docker/demux.ts";
import type { ContainerIO, Engine } from "../../docker/engine.ts";
import { HolderGone } from "../../docker/errors.ts";
import { FunctionTimeout, Unavailable } from "../../errors.ts";
import { launch } from "./container.ts";

/**
 * A fake engine whose create/attach/start wait on gates the test opens, so a Docker call that never
 * answers — or answers late — can be played exactly. Records what was removed and closed.
 */
function gatedEngine() {
  const gates = { create: Promise.withResolvers<void>(), attach: Promise.withResolvers<void>(), start: Promise.withResolvers<void>() };
  const seen = { created: [] as string[], removed: [] as string[], closed: 0, sinks: undefined as DemuxSinks | undefined };
  const io: ContainerIO = { write() {}, endStdin() {}, ended: new Promise(() => {}), close: () => void seen.closed++ };
  const engine = {
    async create() {
      await gates.create.promise;
      seen.created.push("c1");
      return "c1";
    },
    async attach(_id: string, sinks: DemuxSinks) {
      seen.sinks = sinks;
      await gates.attach.promise;
      return io;
    },
    async start() {
      await gates.start.promise;
    },
    wait: () => new Promise(() => {}),
    async remove(id: string) {
      seen.removed.push(id);
    },
  } as unknown as Engine;
  const open = (...which: (keyof typeof gates)[]) => which.forEach((w) => gates[w].resolve());
  return { engine, seen, open };
}

const spec = { image: "img", env: {}, labels: {}, memoryMiB: 64, user: "" };
const sinks: DemuxSinks = { stdout() {}, stderr() {} };

describe("launch", () => {
  it("gives up on a start that never answers with Unavailable, and removes the container", async () => {
    const { engine, seen, open } = gatedEngine();
    open("create", "attach");
    const err = await launch(engine, spec, sinks, { startTimeoutMs: 50 }).catch((e) => e);
    expect(err).toBeInstanceOf(Unavailable);
    expect(err.message).toBe("Docker did not start the container within 0.05 s");
    expect(seen.removed).toEqual(["c1"]);
    expect(seen.closed).toBe(1);
  });

  it("gives up on a create that never answers, and removes the container if it comes later", async () => {
    const { engine, seen, open } = gatedEngine();
    const err = await launch(engine, spec, sinks, { startTimeoutMs: 50 }).catch((e) => e);
    expect(err).toBeInstanceOf(Unavailable);
    expect(seen.removed).toEqual([]);
    open("create", "attach", "start");
    await Bun.sleep(0);
    expect(seen.created).toEqual(["c1"]);
    expect(seen.removed).toEqual(["c1"]);
    // it was given up on: it is neither attached nor started
    expect(seen.sinks).toBeUndefined();
  });

  it("an abort during create rejects at once with the abort's error and removes what create made", async () => {
    const { engine, seen, open } = gatedEngine();
    const abort = new AbortController();
    const starting = launch(engine, spec, sinks, { startTimeoutMs: 60_000, signal: abort.signal }).catch((e) => e);
    abort.abort();
    expect(await starting).toBeInstanceOf(FunctionTimeout);
    open("create");
    await Bun.sleep(0);
    expect(seen.removed).toEqual(["c1"]);
  });

  it("an abort during attach or start removes the container and closes the stream", async () => {
    for (const stuck of ["attach", "start"] as const) {
      const { engine, seen, open } = gatedEngine();
      open("create", ...(stuck === "start" ? (["attach"] as const) : []));
      const abort = new AbortController();
      const starting = launch(engine, spec, sinks, { startTimeoutMs: 60_000, signal: abort.signal }).catch((e) => e);
      await Bun.sleep(5);
      abort.abort(new Unavailable("hotfn is stopping"));
      expect((await starting).message).toBe("hotfn is stopping");
      open("attach", "start");
      await Bun.sleep(0);
      expect(seen.removed).toEqual(["c1"]);
      expect(seen.closed).toBeGreaterThanOrEqual(1);
    }
  });

  it("resolves with the running container when every step answers in time", async () => {
    const { engine, seen, open } = gatedEngine();
    open("create", "attach", "start");
    const running = await launch(engine, spec, sinks, { startTimeoutMs: 1000 });
    expect(running.id).toBe("c1");
    expect(seen.removed).toEqual([]);
  });

  it("creates the container again in a fresh namespace once when its namespace holder is gone, removing the first", async () => {
    const created: { id: string; fresh: boolean }[] = [];
    const removed: string[] = [];
    let closed = 0;
    const engine = {
      async create(_spec: unknown, o?: { freshNamespace?: boolean }) {
        const id = `c${created.length + 1}`;
        created.push({ id, fresh: o?.freshNamespace === true });
        return id;
      },
      attach: async () => ({ write() {}, endStdin() {}, ended: new Promise(() => {}), close: () => void closed++ }),
      async start(id: string) {
        if (id === "c1") throw new HolderGone();
      },
      wait: () => new Promise(() => {}),
      async remove(id: string) {
        removed.push(id);
      },
    } as unknown as Engine;
    const running = await launch(engine, spec, sinks, { startTimeoutMs: 1000 });
    expect(running.id).toBe("c2");
    expect(created).toEqual([{ id: "c1", fresh: false }, { id: "c2", fresh: true }]);
    expect(removed).toEqual(["c1"]);
    expect(closed).toBe(1);

    // A second HolderGone (the fresh namespace failed too) is the caller's: a 503.
    const failing = {
      ...engine,
      async start() {
        throw new HolderGone();
      },
    } as Engine;
    const err = await launch(failing, spec, sinks, { startTimeoutMs: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(Unavailable);
  });
});
