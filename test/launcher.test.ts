/**
 * The launcher against the real Docker engine, without an HTTP server: every format round-trips a
 * call, and every way a function can fail (timeout, OOM, crash, broken framing, missing image) comes
 * back as the right error with its container gone. Also an example of driving createLauncher directly.
 */
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createImagePolicy } from "../src/image-policy.ts";
import { createEngine, type Engine } from "../src/docker/engine.ts";
import { FunctionFailed, FunctionTimeout, Unavailable } from "../src/errors.ts";
import { createLogger } from "../src/log.ts";
import type { App, Route, RouteFormat } from "../src/model.ts";
import { createLauncher, type HotfnLauncher } from "../src/runner/launcher.ts";
import { type Deadline, startDeadline } from "../src/runner/deadline.ts";
import { createLogBuffer } from "../src/runner/log-buffer.ts";
import type { HotContainer, Invocation } from "../src/runner/types.ts";
import { IMAGES, ensureImages } from "./helpers/images.ts";
import { containersOf, removeLeftovers } from "./helpers/server.ts";

// Containers start in about a second; a busy machine makes it several. (bunfig's [test] timeout is not read.)
setDefaultTimeout(30_000);

const node = `test-launcher-${crypto.randomUUID().slice(0, 8)}`;
const instanceId = crypto.randomUUID();
const log = createLogger("silent");
const DOCKER = "unix:///var/run/docker.sock";
const engine = createEngine({ dockerHost: DOCKER, nodeId: node, instanceId, log });
/** What every launcher of these tests shares: this node, a 64 KiB answer cap, any image. */
const config = { nodeId: node, maxResponseBody: 64 * 1024, images: createImagePolicy(undefined) };
const launcher: HotfnLauncher = createLauncher({ engine, ...config, log, instanceId, readyTimeoutMs: 10_000 });

const at = new Date();
const app: App = { name: "lapp", config: { "app-setting": "from-app", SHARED: "app" }, createdAt: at, updatedAt: at };

function route(o: Partial<Route> & { image: string }): Route {
  return { appName: app.name, path: "/fn", type: "sync", format: "default", memory: 128, timeout: 30, idleTimeout: 30, user: "", headers: {}, config: {}, createdAt: at, updatedAt: at, ...o };
}

function invocation(r: Route, body = "", o: Partial<Invocation> = {}): Invocation {
  return {
    callId: `call-${crypto.randomUUID().slice(0, 8)}`, app, route: r, params: { id: "42" }, method: "POST",
    url: `http://localhost:8080/r/${app.name}${r.path}?q=1`, headers: [["Content-Type", "text/plain"], ["X-Custom", "yes"]],
    body: new TextEncoder().encode(body), priority: "sync", ...o,
  };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const deadline = (ms = 20_000) => AbortSignal.timeout(ms);
/** A hot call's deadline, as the pool gives it; cleared after the tests. */
const callDeadlines: Deadline[] = [];
const callDeadline = (seconds = 20) => {
  const d = startDeadline(seconds);
  callDeadlines.push(d);
  return d;
};

function inspect(id: string): any {
  const out = Bun.spawnSync(["docker", "inspect", id]);
  return JSON.parse(out.stdout.toString())[0];
}

async function gone(id: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (Bun.spawnSync(["docker", "inspect", id]).exitCode !== 0) return true;
    await Bun.sleep(50);
  }
  return false;
}

beforeAll(async () => {
  await ensureImages();
  await engine.ping();
}, 120_000);

afterAll(async () => {
  for (const d of callDeadlines) d.clear();
  await launcher.removeAll();
  await removeLeftovers(node);
});

describe("default format", () => {
  it("sends the body on stdin and answers stdout with 200", async () => {
    const r = route({ image: IMAGES.echo });
    const res = await launcher.runCold(invocation(r, "hello default"), createLogBuffer(1000), deadline());
    expect(res).toEqual({ status: 200, headers: [], body: new TextEncoder().encode("hello default") });
  });

  it("gives the function the FN_* env, the legacy names and the merged config (route wins)", async () => {
    const r = route({ image: IMAGES.echo, path: "/users/:id", config: { shared: "route", "route-setting": "x" } });
    const env = JSON.parse(text((await launcher.runCold(invocation(r, "env"), createLogBuffer(1000), deadline())).body));
    expect(env).toMatchObject({
      FN_APP_NAME: "lapp", FN_PATH: "/users/:id", FN_FORMAT: "default", FN_MEMORY: "128", FN_TYPE: "sync",
      APP_SETTING: "from-app", ROUTE_SETTING: "x", SHARED: "route",
      FN_METHOD: "POST", METHOD: "POST", FN_REQUEST_URL: "http://localhost:8080/r/lapp/users/:id?q=1",
      FN_HEADER_X_CUSTOM: "yes", HEADER_X_CUSTOM: "yes", FN_PARAM_ID: "42", PARAM_ID: "42", APP_NAME: "lapp", ROUTE: "/users/:id",
    });
    expect(env.FN_CALL_ID).toStartWith("call-");
  });

  it("keeps caller headers named Fn-* out of the env", async () => {
    const inv = invocation(route({ image: IMAGES.echo }), "env", { headers: [["Fn-Call-Id", "spoofed"], ["Fn_Method", "spoofed"], ["X-Custom", "yes"]] });
    const env = JSON.parse(text((await launcher.runCold(inv, createLogBuffer(1000), deadline())).body));
    expect(env.FN_HEADER_X_CUSTOM).toBe("yes");
    expect(env.FN_CALL_ID).toBe(inv.callId);
    expect(Object.values(env)).not.toContain("spoofed");
  });

  it("runs a busybox function too", async () => {
    const res = await launcher.runCold(invocation(route({ image: IMAGES.bbEcho }), "from busybox"), createLogBuffer(1000), deadline());
    expect(text(res.body)).toBe("from busybox");
  });

  it("keeps stderr as the call's log", async () => {
    const logBuf = createLogBuffer(1000);
    const res = await launcher.runCold(invocation(route({ image: IMAGES.log }), "first line\nsecond line\n"), logBuf, deadline());
    expect(text(res.body)).toBe("logged");
    expect(logBuf.text()).toBe("first line\nsecond line\n");
  });

  it("reports a non-zero exit with its code, and removes the container", async () => {
    const inv = invocation(route({ image: IMAGES.crash }));
    const logBuf = createLogBuffer(1000);
    const err = await launcher.runCold(inv, logBuf, deadline()).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionFailed);
    expect(err.message).toBe("function exited with code 3");
    expect(logBuf.text()).toContain("crashing on purpose");
    expect(await eventuallyNone(`hotfn.call=${inv.callId}`)).toBe(true);
  });

  it("kills a function that runs past its deadline: FunctionTimeout, container gone", async () => {
    const inv = invocation(route({ image: IMAGES.sleep, timeout: 1 }), "60000");
    const err = await launcher.runCold(inv, createLogBuffer(1000), AbortSignal.timeout(1000)).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionTimeout);
    expect(err.message).toBe("Timed out: the function ran past its 1 s timeout");
    expect(await eventuallyNone(`hotfn.call=${inv.callId}`)).toBe(true);
  });

  it("reports an OOM kill with the memory limit", async () => {
    const err = await launcher.runCold(invocation(route({ image: IMAGES.hog, memory: 64 })), createLogBuffer(1000), deadline(30_000)).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionFailed);
    expect(err.message).toBe("function ran out of memory (limit 64 MiB) and was killed");
  });

  it("fails an answer larger than maxResponseBody", async () => {
    const err = await launcher.runCold(invocation(route({ image: IMAGES.echo }), "x".repeat(100 * 1024)), createLogBuffer(1000), deadline()).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionFailed);
    expect(err.message).toBe(`response larger than ${64 * 1024} bytes`);
  });

  it("calls onStarted once the container runs, locked down and labelled", async () => {
    const inv = invocation(route({ image: IMAGES.sleep, memory: 96 }), "1000");
    let seen: any;
    await launcher.runCold(inv, createLogBuffer(1000), deadline(), () => {
      const [id] = containersOf(node, `hotfn.call=${inv.callId}`);
      seen = inspect(id!);
    });
    expect(seen.State.Running).toBe(true);
    expect(seen.Config.Labels).toMatchObject({ hotfn: "1", "hotfn.node": node, "hotfn.instance": instanceId, "hotfn.app": "lapp", "hotfn.route": "/fn", "hotfn.call": inv.callId });
    expect(seen.HostConfig).toMatchObject({ NetworkMode: "none", CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"], PidsLimit: 256, Memory: 96 * 1024 * 1024, MemorySwap: 96 * 1024 * 1024, LogConfig: { Type: "none" } });
  });
});

describe("a missing image", () => {
  for (const format of ["default", "http"] as const) {
    it(`fails fast with FunctionFailed naming the image (${format})`, async () => {
      const r = route({ image: "hotfn-test/does-not-exist:1", format });
      const calls = Array.from({ length: 3 }, () =>
        (format === "default" ? launcher.runCold(invocation(r), createLogBuffer(10), deadline()) : launcher.startHot(app, r, deadline())).catch((e) => e),
      );
      for (const err of await Promise.all(calls)) {
        expect(err).toBeInstanceOf(FunctionFailed);
        expect(err.message).toBe("image hotfn-test/does-not-exist:1 is not present on this node and could not be pulled; hotfn's log has the registry's answer");
      }
    });
  }
});

/** The behaviours every hot format shares: one suite, run for http, json and http-stream. */
for (const format of ["http", "json", "http-stream"] as const satisfies RouteFormat[]) {
  describe(`hot format ${format}`, () => {
    const hot = (o: Partial<Route> & { image: string }) => launcher.startHot(app, route({ format, ...o }), deadline());

    it("round-trips a call: body, status and headers reach the caller", async () => {
      const c = await hot({ image: IMAGES.echo });
      try {
        const inv = invocation(route({ image: IMAGES.echo, format }), "hello hot", {
          headers: [["Content-Type", "text/x-test"], ["X-Status", "201"]],
        });
        const res = await c.call(inv, createLogBuffer(1000), callDeadline());
        expect(res.status).toBe(201);
        expect(text(res.body)).toBe("hello hot");
        const headers = Object.fromEntries(res.headers.map(([k, v]) => [k.toLowerCase(), v]));
        expect(headers).toMatchObject({ "x-echo": "1", "content-type": "text/x-test" });
        expect(c.healthy).toBe(true);
      } finally {
        await c.destroy();
      }
    });

    it("tells the function the call id, method and URL", async () => {
      const c = await hot({ image: IMAGES.echo });
      try {
        const inv = invocation(route({ image: IMAGES.echo, format }), "request", { method: "PUT" });
        const seen = JSON.parse(text((await c.call(inv, createLogBuffer(1000), callDeadline())).body));
        expect(seen).toMatchObject({ method: "PUT", url: inv.url, callId: inv.callId });
      } finally {
        await c.destroy();
      }
    });

    it("drops caller headers that would spoof hotfn's own (Fn-*, Fn_*) and Expect", async () => {
      const c = await hot({ image: IMAGES.echo });
      try {
        const inv = invocation(route({ image: IMAGES.echo, format }), "request", {
          headers: [["Fn-Call-Id", "spoofed"], ["Fn_call_id", "spoofed"], ["Fn-Http-H-X-Evil", "spoofed"], ["Fn-Http-Method", "spoofed"], ["Expect", "100-continue"], ["X-Custom", "yes"]],
        });
        const seen = JSON.parse(text((await c.call(inv, createLogBuffer(1000), callDeadline())).body));
        expect(seen.callId).toBe(inv.callId);
        expect(seen.method).toBe("POST");
        expect(seen.headers["x-custom"]).toBe("yes");
        expect(Object.keys(seen.headers).filter((k) => k.includes("evil") || k === "expect")).toEqual([]);
        expect(Object.values(seen.headers).some((v) => String(v).includes("spoofed"))).toBe(false);
      } finally {
        await c.destroy();
      }
    });

    it("fails an answer whose status no caller can get (600), and gives 204 no body", async () => {
      const c = await hot({ image: IMAGES.echo });
      try {
        const r = route({ image: IMAGES.echo, format });
        const noContent = await c.call(invocation(r, "", { headers: [["X-Status", "204"]] }), createLogBuffer(1000), callDeadline());
        expect(noContent.status).toBe(204);
        expect(noContent.body.length).toBe(0);
        const err = await c.call(invocation(r, "x", { headers: [["X-Status", "600"]] }), createLogBuffer(1000), callDeadline()).catch((e) => e);
        expect(err).toBeInstanceOf(FunctionFailed);
        expect(err.message).toMatch(/bad (status|status_code|Fn-Http-Status) 600/);
        expect(c.healthy).toBe(false);
      } finally {
        await c.destroy();
      }
    });

    it("gives the function its env without per-call values", async () => {
      const c = await hot({ image: IMAGES.echo, config: { "route-setting": "x" } });
      try {
        const env = JSON.parse(text((await c.call(invocation(route({ image: IMAGES.echo, format }), "env"), createLogBuffer(1000), callDeadline())).body));
        expect(env).toMatchObject({ FN_APP_NAME: "lapp", FN_PATH: "/fn", FN_FORMAT: format, FN_MEMORY: "128", FN_TYPE: "sync", APP_SETTING: "from-app", ROUTE_SETTING: "x" });
        expect(env.FN_CALL_ID).toBeUndefined();
        if (format === "http-stream") expect(env.FN_LISTENER).toBe("unix:/tmp/iofs/lsnr.sock");
      } finally {
        await c.destroy();
      }
    });

    it("serves 20 sequential calls from one container", async () => {
      const c = await hot({ image: IMAGES.count });
      try {
        const hosts = new Set<string>();
        for (let i = 1; i <= 20; i++) {
          const res = await c.call(invocation(route({ image: IMAGES.count, format })), createLogBuffer(1000), callDeadline());
          const body = JSON.parse(text(res.body));
          expect(body.calls).toBe(i);
          hosts.add(body.hostname);
        }
        expect(hosts.size).toBe(1);
        expect(c.healthy).toBe(true);
      } finally {
        await c.destroy();
      }
    });

    it("keeps each call's stderr in that call's log", async () => {
      const c = await hot({ image: IMAGES.log });
      try {
        for (const line of ["one\n", "two\n"]) {
          const logBuf = createLogBuffer(1000);
          await c.call(invocation(route({ image: IMAGES.log, format }), line), logBuf, callDeadline());
          // Docker relays stderr apart from the answer: its last bytes may land a moment after it.
          expect(await eventually(() => logBuf.text() === line)).toBe(true);
        }
      } finally {
        await c.destroy();
      }
    });

    it("times out a slow call: FunctionTimeout, unhealthy, and destroy removes the container", async () => {
      const c = await hot({ image: IMAGES.sleep, timeout: 1 });
      const err = await c.call(invocation(route({ image: IMAGES.sleep, format, timeout: 1 }), "60000"), createLogBuffer(1000), callDeadline(0.5)).catch((e) => e);
      expect(err).toBeInstanceOf(FunctionTimeout);
      expect(c.healthy).toBe(false);
      await c.destroy();
      expect(await gone(c.id)).toBe(true);
    });

    it("refuses a call whose deadline has already passed, without sending it: FunctionTimeout, unhealthy", async () => {
      // The log function writes each call's body to stderr: a call sent would leave it in the log.
      const c = await hot({ image: IMAGES.log });
      try {
        const passed = callDeadline(0.01);
        await Bun.sleep(50);
        const logBuf = createLogBuffer(1000);
        const err = await c.call(invocation(route({ image: IMAGES.log, format }), "sent anyway\n"), logBuf, passed).catch((e) => e);
        expect(err).toBeInstanceOf(FunctionTimeout);
        expect(c.healthy).toBe(false);
        await Bun.sleep(300);
        expect(logBuf.text()).toBe("");
      } finally {
        await c.destroy();
      }
    });

    it("reports a container that exits mid-call with its exit code", async () => {
      const c = await hot({ image: IMAGES.crash });
      const err = await c.call(invocation(route({ image: IMAGES.crash, format })), createLogBuffer(1000), callDeadline()).catch((e) => e);
      expect(err).toBeInstanceOf(FunctionFailed);
      expect(err.message).toContain("exited with code 3");
      expect(c.healthy).toBe(false);
      await c.exited;
      await c.destroy();
      expect(await gone(c.id)).toBe(true);
    });

    it("reports an OOM kill mid-call", async () => {
      const c = await hot({ image: IMAGES.hog, memory: 64 });
      const err = await c.call(invocation(route({ image: IMAGES.hog, format, memory: 64 })), createLogBuffer(1000), callDeadline(30)).catch((e) => e);
      await c.destroy();
      expect(err).toBeInstanceOf(FunctionFailed);
      expect(err.message).toContain("out of memory (limit 64 MiB)");
    });

    it("fails an answer larger than maxResponseBody and drops the container", async () => {
      const c = await hot({ image: IMAGES.echo });
      const err = await c.call(invocation(route({ image: IMAGES.echo, format }), "x".repeat(100 * 1024)), createLogBuffer(1000), callDeadline()).catch((e) => e);
      await c.destroy();
      expect(err).toBeInstanceOf(FunctionFailed);
      expect(err.message).toContain(`response larger than ${64 * 1024} bytes`);
      expect(c.healthy).toBe(false);
    });

    it("labels and locks down its container", async () => {
      const c = await hot({ image: IMAGES.echo, memory: 64 });
      try {
        const info = inspect(c.id);
        expect(info.Config.Labels).toMatchObject({ hotfn: "1", "hotfn.node": node, "hotfn.instance": instanceId, "hotfn.app": "lapp", "hotfn.route": "/fn", "hotfn.format": format });
        // LogConfig none: Docker keeps no copy of the output (every answer body of http/json) on disk.
        expect(info.HostConfig).toMatchObject({ NetworkMode: "none", CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"], PidsLimit: 256, Memory: 64 << 20, MemorySwap: 64 << 20, LogConfig: { Type: "none" } });
      } finally {
        await c.destroy();
      }
      expect(await gone(c.id)).toBe(true);
    });
  });
}

describe("framing breakers", () => {
  for (const format of ["http", "json"] as const) {
    it(`a ${format} function writing garbage fails the call and is unhealthy`, async () => {
      const c = await launcher.startHot(app, route({ format, image: IMAGES.garbage }), deadline());
      const err = await c.call(invocation(route({ image: IMAGES.garbage, format })), createLogBuffer(1000), callDeadline()).catch((e) => e);
      expect(err).toBeInstanceOf(FunctionFailed);
      expect(err.message).toStartWith(`the function broke the ${format} format: `);
      expect(c.healthy).toBe(false);
      await c.destroy();
    });
  }

  it("a json function that pretty-prints its answer over many lines works", async () => {
    const r = route({ format: "json", image: IMAGES.echo, config: { PRETTY: "1" } });
    const c = await launcher.startHot(app, r, deadline());
    try {
      for (const body of ["one", "two"]) {
        const res = await c.call(invocation(r, body), createLogBuffer(1000), callDeadline());
        expect(text(res.body)).toBe(body);
      }
      expect(c.healthy).toBe(true);
    } finally {
      await c.destroy();
    }
  });
});

describe("http-stream specifics", () => {
  it("keeps the container when the function answers 502 (an exception in the FDK handler)", async () => {
    // The FDK answers 502 when the handler throws; a handler that throws is the crash image's
    // exit, so simulate with echo's x-status: 502 is passed through as the function's status.
    const r = route({ format: "http-stream", image: IMAGES.echo });
    const c = await launcher.startHot(app, r, deadline());
    try {
      const res = await c.call(invocation(r, "bad", { headers: [["X-Status", "502"]] }), createLogBuffer(1000), callDeadline());
      expect(res.status).toBe(502);
      expect(c.healthy).toBe(true);
    } finally {
      await c.destroy();
    }
  });

  it("a function that does not open its socket within the ready timeout is a FunctionTimeout that says so, and leaves nothing behind", async () => {
    const slow = createLauncher({ engine, ...config, log, instanceId, readyTimeoutMs: 200 });
    // busybox cat never opens a socket
    const err = await slow.startHot(app, route({ format: "http-stream", image: IMAGES.bbEcho }), deadline()).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionTimeout);
    expect(err.message).toContain("did not open its socket within 200 ms");
    expect(await eventuallyNone("hotfn.format=http-stream", IMAGES.bbEcho)).toBe(true);
  });

  it("an exit before the socket appears is a FunctionFailed with the exit code", async () => {
    const err = await launcher.startHot(app, route({ format: "http-stream", image: IMAGES.echo, config: { EXIT_AT_START: "4" } }), deadline()).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionFailed);
    expect(err.message).toBe("function exited with code 4 before it opened its socket");
  });

  it("a socket link that leaves the directory is a FunctionFailed", async () => {
    const err = await launcher.startHot(app, route({ format: "http-stream", image: IMAGES.echo, config: { LINK_TARGET: "/etc/passwd" } }), deadline()).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionFailed);
    expect(err.message).toContain("socket link points outside its directory");
  });

  it("destroy removes the socket directory and the socket hotfn took out of it", async () => {
    const c = await launcher.startHot(app, route({ format: "http-stream", image: IMAGES.echo }), deadline());
    const dir = inspect(c.id).HostConfig.Binds[0].split(":")[0];
    expect(existsSync(dir)).toBe(true);
    expect(statSync(`${dir}.sock`).isSocket()).toBe(true);
    await c.destroy();
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`${dir}.sock`)).toBe(false);
  });

  it("keeps calling the function's own socket after the function repoints its links at a host socket", async () => {
    const decoyDir = mkdtempSync(join(tmpdir(), "hotfn-decoy-"));
    let decoyHits = 0;
    const decoy = Bun.serve({ unix: join(decoyDir, "host.sock"), fetch: () => (decoyHits++, new Response("from the host socket")) });
    const r = route({ format: "http-stream", image: IMAGES.echo, config: { SWAP_TARGET: join(decoyDir, "host.sock") } });
    const c = await launcher.startHot(app, r, deadline());
    try {
      expect(text((await c.call(invocation(r, "swap"), createLogBuffer(1000), callDeadline())).body)).toBe("swapped");
      const inv = invocation(r, "request");
      const seen = JSON.parse(text((await c.call(inv, createLogBuffer(1000), callDeadline())).body));
      expect(seen.callId).toBe(inv.callId);
      expect(decoyHits).toBe(0);
    } finally {
      await c.destroy();
      decoy.stop(true);
      rmSync(decoyDir, { recursive: true, force: true });
    }
  });

  it("works with a very long node id, keeping hotfn's socket directories private (0700)", async () => {
    const tmpDir = mkdtempSync(join(tmpdir(), "hotfn-longnode-"));
    const longNode = `${node}-${"n".repeat(200)}`;
    const longEngine = createEngine({ dockerHost: DOCKER, nodeId: longNode, instanceId, log });
    const long = createLauncher({ engine: longEngine, ...config, nodeId: longNode, log, instanceId, tmpDir });
    const r = route({ format: "http-stream", image: IMAGES.echo });
    const c = await long.startHot(app, r, deadline());
    try {
      expect(text((await c.call(invocation(r, "long"), createLogBuffer(1000), callDeadline())).body)).toBe("long");
      const dir = inspect(c.id).HostConfig.Binds[0].split(":")[0];
      expect(statSync(dir).mode & 0o777).toBe(0o777);
      for (let up = dirname(dir); up !== tmpDir; up = dirname(up)) expect(statSync(up).mode & 0o777).toBe(0o700);
    } finally {
      await c.destroy();
      await long.removeAll();
      await removeLeftovers(longNode);
      rmSync(tmpDir, { recursive: true, force: true });
    }
  });
});

describe("a Docker engine that does not answer", () => {
  /** The real engine, except that starting a container never answers. */
  const stuckStart: Engine = { ...engine, start: () => new Promise(() => {}) };

  for (const format of ["default", "http", "http-stream"] as const) {
    it(`a start that never answers fails with Unavailable and removes the container (${format})`, async () => {
      const stuck = createLauncher({ engine: stuckStart, ...config, log, instanceId, startTimeoutMs: 1000 });
      const r = route({ format, image: IMAGES.echo, path: `/stuck-${crypto.randomUUID().slice(0, 8)}` });
      let started = 0;
      const err = await (format === "default" ? stuck.runCold(invocation(r), createLogBuffer(10), deadline(), () => started++) : stuck.startHot(app, r, deadline())).catch((e) => e);
      expect(err).toBeInstanceOf(Unavailable);
      expect(err.message).toBe("Docker did not start the container within 1 s");
      if (format === "default") expect(started).toBe(1);
      expect(await eventuallyNone(`hotfn.route=${r.path}`)).toBe(true);
    });
  }

  it("an abort while Docker creates the container removes it once created", async () => {
    let created: Promise<string> | undefined;
    const slowCreate: Engine = { ...engine, create: (spec) => (created = Bun.sleep(500).then(() => engine.create(spec))) };
    const slow = createLauncher({ engine: slowCreate, ...config, log, instanceId });
    const err = await slow.startHot(app, route({ format: "http", image: IMAGES.echo }), AbortSignal.timeout(100)).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionTimeout);
    expect(await gone(await created!)).toBe(true);
  });
});

describe("clean-up", () => {
  it("removeAll removes the node's socket directory unless another instance of the node still has one there", async () => {
    const tmpDir = mkdtempSync(join(tmpdir(), "hotfn-iofs-cleanup-"));
    const cleanNode = `${node}-clean`;
    const cleanEngine = createEngine({ dockerHost: DOCKER, nodeId: cleanNode, instanceId, log });
    const mine = createLauncher({ engine: cleanEngine, ...config, nodeId: cleanNode, log, instanceId, tmpDir });
    const r = route({ format: "http-stream", image: IMAGES.echo });
    const nodeDirs = () => readdirSync(join(tmpDir, "hotfn-iofs"));
    try {
      // Another instance of the same node, with a socket directory of its own.
      const c = await mine.startHot(app, r, deadline());
      const [nodeDir] = nodeDirs();
      mkdirSync(join(tmpDir, "hotfn-iofs", nodeDir!, "other-instance"), { mode: 0o700 });
      await c.destroy();
      await mine.removeAll();
      expect(readdirSync(join(tmpDir, "hotfn-iofs", nodeDir!))).toEqual(["other-instance"]);

      // The last one out leaves nothing of the node behind.
      rmSync(join(tmpDir, "hotfn-iofs", nodeDir!, "other-instance"), { recursive: true });
      await (await mine.startHot(app, r, deadline())).destroy();
      await mine.removeAll();
      expect(nodeDirs()).toEqual([]);
    } finally {
      await removeLeftovers(cleanNode);
      rmSync(tmpDir, { recursive: true, force: true });
    }
  });

  it("removeLeftovers removes this node's containers of other instances, not its own", async () => {
    const otherId = crypto.randomUUID();
    // Made by a process that no longer runs: a mark of another boot of the machine.
    const dead = "00000000-0000-0000-0000-000000000000:1:1";
    const other = createLauncher({ engine: createEngine({ dockerHost: DOCKER, nodeId: node, instanceId: otherId, log, owner: dead }), ...config, log, instanceId: otherId });
    const theirs = await other.startHot(app, route({ format: "http", image: IMAGES.echo }), deadline());
    const ours: HotContainer = await launcher.startHot(app, route({ format: "http", image: IMAGES.echo }), deadline());
    try {
      expect(inspect(theirs.id).Config.Labels["hotfn.owner"]).toBe(dead);
      expect(await launcher.removeLeftovers()).toBe(1);
      expect(await gone(theirs.id)).toBe(true);
      expect(inspect(ours.id).State.Running).toBe(true);
    } finally {
      await ours.destroy();
      await theirs.destroy();
    }
  });

  it("removeLeftovers leaves alone the containers and sockets of another instance whose process runs", async () => {
    const tmpDir = mkdtempSync(join(tmpdir(), "hotfn-iofs-live-"));
    const liveNode = `${node}-live`;
    const otherId = crypto.randomUUID();
    // This test's own process made them: its mark is one of a process that runs.
    const other = createLauncher({ engine: createEngine({ dockerHost: DOCKER, nodeId: liveNode, instanceId: otherId, log }), ...config, nodeId: liveNode, log, instanceId: otherId, tmpDir });
    const mine = createLauncher({ engine: createEngine({ dockerHost: DOCKER, nodeId: liveNode, instanceId, log }), ...config, nodeId: liveNode, log, instanceId, tmpDir });
    try {
      const r = route({ format: "http-stream", image: IMAGES.echo });
      const theirs = await other.startHot(app, r, deadline());
      expect(inspect(theirs.id).Config.Labels["hotfn.owner"]).toMatch(/^[0-9a-f-]+:\d+:\d+$/);
      expect(await mine.removeLeftovers()).toBe(0);
      expect(inspect(theirs.id).State.Running).toBe(true);
      // its socket directory is still there: the call goes through
      const answer = await theirs.call(invocation(r, "still here"), createLogBuffer(1024), callDeadline());
      expect(text(answer.body)).toBe("still here");
      await theirs.destroy();
    } finally {
      await other.removeAll();
      await mine.removeAll();
      await removeLeftovers(liveNode);
      rmSync(tmpDir, { recursive: true, force: true });
    }
  });
});

/** True once `check` holds (polled for up to 1 s). */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 50 && !check(); i++) await Bun.sleep(20);
  return check();
}

/** True once no container of this node carries `label` (and, if given, runs `image`). */
async function eventuallyNone(label: string, image?: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const ids = containersOf(node, label).filter((id) => image === undefined || inspect(id)?.Config.Image === image);
    if (ids.length === 0) return true;
    await Bun.sleep(50);
  }
  return false;
}
