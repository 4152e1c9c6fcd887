/**
 * `hotfn init`, `hotfn build` and `hotfn deploy` against a real server and Docker, with no registry:
 * the bun and node-fdk templates run as written; the image is a small layer on the shared runtime
 * base and runs as nobody with a read-only root; --bump; a Dockerfile goes through the engine's
 * build API; a redeploy serves the new code on the next call and retires the old containers; a
 * failed build tags nothing and leaves func.yaml alone. Images go under a name this file owns.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseTag } from "../src/build/runtime-base.ts";
import { eventually } from "./helpers/fixtures.ts";
import { hotfn, imageIds, removeImages } from "./helpers/cli.ts";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { containersOf, startServer, type TestServer } from "./helpers/server.ts";

const PREFIX = `hotfn-test-build-${crypto.randomUUID().slice(0, 8)}`;
/** ids of this file's images that a rebuild under the same tag may leave untagged */
const built = new Set<string>();
const remember = () => imageIds(PREFIX).forEach((id) => built.add(id));
let s: TestServer;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  await ensureImages();
  s = await startServer();
  dir = mkdtempSync(join(tmpdir(), "hotfn-build-"));
  env = { HOTFN_API_URL: s.url, HOTFN_REGISTRY: PREFIX };
}, 120_000);
afterAll(async () => {
  await s.stop();
  removeImages(PREFIX, built);
  rmSync(dir, { recursive: true, force: true });
});

function inspect(image: string): { Id: string; Size: number; Config: { User: string; Labels: Record<string, string> } } {
  const r = Bun.spawnSync(["docker", "image", "inspect", image]);
  if (r.exitCode !== 0) throw new Error(`no image ${image}: ${r.stderr}`);
  return JSON.parse(r.stdout.toString())[0];
}
const imageExists = (image: string) => Bun.spawnSync(["docker", "image", "inspect", image]).exitCode === 0;
const run = async (args: string[]) => {
  const r = await hotfn(args, { env, cwd: dir });
  remember();
  return r;
};

describe("hotfn init", () => {
  it("writes a function that passes its own test with the Bun inside hotfn", async () => {
    const r = await run(["init", "greeter", "--runtime", "bun"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("wrote greeter: func.yaml func.ts fn.ts func.test.ts package.json\ndeploy it with: hotfn deploy greeter --app APP\n");
    expect(readFileSync(join(dir, "greeter/func.yaml"), "utf8")).toContain("name: greeter\nversion: 0.0.1\nruntime: bun\nformat: http-stream\nmemory: 128\ntimeout: 30\npath: /greeter\n");
    const test = Bun.spawnSync([process.execPath, "test"], { cwd: join(dir, "greeter"), env: { PATH: process.env.PATH ?? "", BUN_BE_BUN: "1" } });
    expect(test.stderr.toString()).toContain(" 2 pass");
    expect(test.exitCode).toBe(0);
  });

  it("overwrites nothing, and asks for a name when the directory's cannot name an image", async () => {
    const again = await run(["init", "greeter"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("greeter already has func.yaml, func.ts");
    // A directory's name is lower-cased and tidied (My Func → my-func); one with nothing usable left is refused.
    const badName = await run(["init", "___"]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain("--name");
    expect((await run(["init", "My Func"])).code).toBe(0);
    expect(readFileSync(join(dir, "My Func/func.yaml"), "utf8")).toContain("name: my-func\n");
    expect((await run(["init", "whatever-dir", "--name", "okname"])).code).toBe(0);
    expect(readFileSync(join(dir, "whatever-dir/func.yaml"), "utf8")).toContain("name: okname\n");
  });
});

describe("hotfn build", () => {
  it("makes NAME:VERSION a layer of kilobytes on the shared runtime base, run as nobody", async () => {
    const r = await run(["build", "greeter"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${PREFIX}/greeter:0.0.1\n`);
    expect(r.stderr).toContain("[1/3] bundle func.ts");
    expect(r.stderr).toContain("[2/3] runtime base");
    expect(r.stderr).toMatch(/\[3\/3\] image .*\n\s+a layer of [\d.]+ kB on hotfn\/runtime-bun:/);

    const image = inspect(`${PREFIX}/greeter:0.0.1`);
    const base = inspect(baseTag());
    expect(image.Size - base.Size).toBeLessThan(100_000);
    expect(image.Config.User).toBe("65534:65534");
    expect(image.Config.Labels).toMatchObject({ "hotfn.function": "greeter", "hotfn.function.version": "0.0.1", "hotfn.runtime": "bun" });
    expect(base.Config.Labels).toMatchObject({ "hotfn.runtime": "bun", "hotfn.runtime.version": Bun.version });

    // The base is built once: the next build finds it.
    const again = await run(["build", "greeter", "--quiet"]);
    expect(again).toMatchObject({ code: 0, stdout: `${PREFIX}/greeter:0.0.1\n`, stderr: "" });
    const verbose = await run(["build", "greeter"]);
    expect(verbose.stderr).toMatch(/runtime base\n\s+present/);
  });

  it("runs with a read-only root, a tmpfs /tmp, no capabilities and no network", async () => {
    const name = `${PREFIX}-ro`;
    const started = Bun.spawnSync([
      "docker", "run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp", "--network", "none", "--cap-drop", "ALL",
      "--security-opt", "no-new-privileges", "-e", "FN_LISTENER=unix:/tmp/lsnr.sock", "-e", "FN_FORMAT=http-stream", `${PREFIX}/greeter:0.0.1`,
    ]);
    try {
      expect(started.exitCode).toBe(0);
      // The runtime in the image plays the caller: one http-stream call over the function's socket.
      const probe = `for (let i = 0; i < 200 && !require("fs").existsSync("/tmp/lsnr.sock"); i++) await Bun.sleep(25);
        const r = await fetch("http://f/call", { method: "POST", unix: "/tmp/lsnr.sock", body: "Ada", headers: { "Fn-Http-Method": "POST", "Fn-Http-Request-Url": "http://h/r/a/greeter" } });
        console.log(process.getuid(), r.headers.get("fn-http-status"), (await r.text()).trim());`;
      const exec = Bun.spawnSync(["docker", "exec", name, "/usr/local/bin/bun", "-e", probe]);
      expect(exec.stderr.toString()).toBe("");
      expect(exec.stdout.toString().trim()).toBe("65534 200 Hello, Ada!");
    } finally {
      Bun.spawnSync(["docker", "rm", "-f", name]);
    }
  });

  it("raises the patch version with --bump, and writes it to func.yaml once the image is built", async () => {
    const r = await run(["build", "greeter", "--bump", "-q"]);
    expect(r.stdout).toBe(`${PREFIX}/greeter:0.0.2\n`);
    expect(readFileSync(join(dir, "greeter/func.yaml"), "utf8")).toContain("version: 0.0.2\n");
    expect(imageExists(`${PREFIX}/greeter:0.0.2`)).toBe(true);
  });

  it("stops at code that does not compile: says where, tags nothing, leaves func.yaml alone", async () => {
    expect((await run(["init", "broken"])).code).toBe(0);
    writeFileSync(join(dir, "broken/func.ts"), 'import { serve } from "./fn.ts";\nexport const handler = (req: Request) => new Response(;\nserve(handler);\n');
    const r = await run(["build", "broken", "--bump"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hotfn: bundling func\.ts failed: .*\(func\.ts:2:\d+\)/);
    expect(readFileSync(join(dir, "broken/func.yaml"), "utf8")).toContain("version: 0.0.1\n");
    expect(imageExists(`${PREFIX}/broken:0.0.2`)).toBe(false);
  });

  it("builds a Dockerfile through the engine, showing its steps", async () => {
    const fn = join(dir, "dockerfn");
    Bun.spawnSync(["mkdir", "-p", fn]);
    writeFileSync(join(fn, "func.yaml"), "name: dockerfn\nversion: 1.0.0\nruntime: docker\nformat: default\n");
    writeFileSync(join(fn, "Dockerfile"), `FROM ${IMAGES.bbEcho}\nCOPY greeting.txt /greeting.txt\n`);
    writeFileSync(join(fn, "greeting.txt"), "hi\n");
    writeFileSync(join(fn, ".dockerignore"), "secret.txt\n");
    writeFileSync(join(fn, "secret.txt"), "not for the image\n");
    const r = await run(["build", "dockerfn"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Step 2/");
    expect(r.stderr).toContain("COPY greeting.txt /greeting.txt");
    expect(inspect(`${PREFIX}/dockerfn:1.0.0`).Config.Labels).toMatchObject({ "hotfn.function": "dockerfn" });

    writeFileSync(join(fn, "Dockerfile"), "FROM hotfn-test-no-such-base/x:1\n");
    const failed = await run(["build", "dockerfn"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("hotfn: the image build failed");
  });
});

describe("hotfn deploy", () => {
  it("builds, creates the route at /NAME and prints its URL; a redeploy serves the new code and retires the old containers", async () => {
    const first = await run(["deploy", "greeter", "--app", "web"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${s.url}/r/web/greeter\n`);
    expect(first.stderr).toContain(`created route /greeter of app web (image ${PREFIX}/greeter:0.0.3)`);
    expect(await (await fetch(`${s.url}/r/web/greeter`, { method: "POST", body: "Ada" })).text()).toBe("Hello, Ada!\n");
    expect(containersOf(s.node, "hotfn.route=/greeter")).toHaveLength(1);

    const source = join(dir, "greeter/func.ts");
    writeFileSync(source, readFileSync(source, "utf8").replace("Hello", "Howdy"));
    const second = await run(["deploy", "greeter", "--app", "web", "--quiet"]);
    expect(second).toMatchObject({ code: 0, stdout: `${s.url}/r/web/greeter\n`, stderr: "" });
    expect((await s.json("/v1/apps/web/routes/greeter")).body.route.image).toBe(`${PREFIX}/greeter:0.0.4`);
    expect(await (await fetch(`${s.url}/r/web/greeter`, { method: "POST", body: "Ada" })).text()).toBe("Howdy, Ada!\n");
    // The old code's container goes once the route changed; the new one stays hot.
    expect(await eventually(() => containersOf(s.node, "hotfn.route=/greeter").length === 1, 30_000)).toBe(true);
  });

  it("keeps the version with --no-bump and still serves the rebuilt code", async () => {
    const source = join(dir, "greeter/func.ts");
    writeFileSync(source, readFileSync(source, "utf8").replace("Howdy", "Hi"));
    expect((await run(["deploy", "greeter", "--app", "web", "--no-bump", "-q"])).code).toBe(0);
    expect(readFileSync(join(dir, "greeter/func.yaml"), "utf8")).toContain("version: 0.0.4\n");
    expect(await (await fetch(`${s.url}/r/web/greeter`, { method: "POST", body: "Ada" })).text()).toBe("Hi, Ada!\n");
  });

  it("runs an Fn FDK function unchanged (node-fdk: the FDK installed at build time)", async () => {
    expect((await run(["init", "fdkfn", "--runtime", "node-fdk"])).code).toBe(0);
    const r = await run(["deploy", "fdkfn", "--app", "web"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("install the dependencies package.json lists");
    expect(existsSync(join(dir, "fdkfn/node_modules/@fnproject/fdk"))).toBe(true);
    const res = await fetch(`${s.url}/r/web/fdkfn`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "Bob" }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: "Hello, Bob!" });
  });

  it("deploys a Dockerfile function with the format func.yaml gives", async () => {
    const fn = join(dir, "dockerfn");
    writeFileSync(join(fn, "Dockerfile"), `FROM ${IMAGES.bbEcho}\n`);
    const r = await run(["deploy", "dockerfn", "--app", "web", "--no-bump"]);
    expect(r.code).toBe(0);
    expect((await s.json("/v1/apps/web/routes/dockerfn")).body.route).toMatchObject({ format: "default", image: `${PREFIX}/dockerfn:1.0.0` });
    expect(await (await fetch(`${s.url}/r/web/dockerfn`, { method: "POST", body: "cat this" })).text()).toBe("cat this");
  });

  it("fails fast, before building, when no server answers", async () => {
    const r = await hotfn(["deploy", "greeter", "--app", "web"], { env: { ...env, HOTFN_API_URL: "http://127.0.0.1:1" }, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach hotfn at http://127.0.0.1:1");
    expect(r.stderr).not.toContain("[1/");
  });
});
