/**
 * The hotfn CLI as a person or a script uses it, against a real server and real Docker: apps and
 * routes, call (body from --data or stdin, exit code by status), calls, logs, version, --json, the
 * server's messages on errors, the bearer token, --help everywhere, completion; and `hotfn serve`
 * with the server's flags, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { hotfn } from "./helpers/cli.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  await ensureImages();
  s = await startServer();
  env = { HOTFN_API_URL: s.url };
}, 120_000);
afterAll(async () => {
  await s.stop();
});

const COMMANDS = [
  "apps", "apps list", "apps get", "apps create", "apps update", "apps delete",
  "routes", "routes list", "routes get", "routes create", "routes update", "routes delete",
  "call", "calls", "logs", "init", "build", "deploy", "version", "completion",
];

describe("help", () => {
  it("hotfn --help lists every command and the server's flags", async () => {
    const r = await hotfn(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["serve", "apps", "routes", "call", "calls", "logs", "init", "build", "deploy", "version", "completion"]) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    expect(r.stdout).toContain("--port / PORT");
    expect(r.stdout).toContain("DB_URL");
  });

  it.each(COMMANDS)("hotfn %s --help explains the command and exits 0", async (command) => {
    const r = await hotfn([...command.split(" "), "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: hotfn ${command}`);
  });

  it("an unknown command or option is an error that suggests the right one", async () => {
    const r = await hotfn(["apps", "lst"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown command 'lst'");
    expect(r.stderr).toContain("Did you mean list?");
    const o = await hotfn(["routes", "create", "a", "/b", "--imag", "x"], { env });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain("--image");
  });

  it("hotfn --version prints the version as before", async () => {
    const r = await hotfn(["--version"]);
    expect(r.stdout.trim()).toBe(`hotfn ${require("../package.json").version}`);
  });
});

describe("hotfn serve", () => {
  it("starts the server with the server's flags, which win over the environment", async () => {
    const served = await startServer({ args: ["serve", "--port", "0"], env: { PORT: "not-a-port" } });
    try {
      expect((await served.json("/v1/apps")).status).toBe(200);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });
});

describe("hotfn apps", () => {
  it("creates, shows, lists, updates and deletes an app", async () => {
    const created = await hotfn(["apps", "create", "cli-app", "--config", "GREETING=hi", "--config", "OTHER=1"], { env });
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("created app cli-app");
    expect(created.stdout).toMatch(/^name:\s+cli-app$/m);
    expect(created.stdout).toContain("  GREETING=hi");

    const list = await hotfn(["apps", "list"], { env });
    expect(list.stdout.split("\n")[0]).toMatch(/^NAME\s+CONFIG\s+CREATED$/);
    expect(list.stdout).toMatch(/^cli-app\s+GREETING=hi, OTHER=1\s+\d{4}-/m);

    const updated = await hotfn(["apps", "update", "cli-app", "--config", "OTHER="], { env });
    expect(updated.code).toBe(0);
    const json = await hotfn(["apps", "get", "cli-app", "--json"], { env });
    expect(JSON.parse(json.stdout).app.config).toEqual({ GREETING: "hi" });

    const deleted = await hotfn(["apps", "delete", "cli-app"], { env });
    expect(deleted.stdout.trim()).toBe("deleted app cli-app");
    const gone = await hotfn(["apps", "get", "cli-app"], { env });
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe("hotfn: App not found: cli-app");
  });

  it("lists every page of apps, for scripts too", async () => {
    for (let i = 0; i < 3; i++) expect((await s.json("/v1/apps", { method: "POST", body: { app: { name: `paged-${i}` } } })).status).toBe(200);
    const r = await hotfn(["apps", "list", "--json"], { env });
    const names = (JSON.parse(r.stdout).apps as { name: string }[]).map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(["paged-0", "paged-1", "paged-2"]));
  });
});

describe("hotfn routes", () => {
  it("creates, shows, lists, updates and deletes a route", async () => {
    const created = await hotfn(
      ["routes", "create", "rapp", "/echo", "--image", IMAGES.echo, "--format", "http", "--memory", "64", "--config", "MODE=echo", "--header", "X-Route=yes"],
      { env },
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^image:\s+hotfn-test\/echo:latest$/m);
    expect(created.stdout).toMatch(/^memory:\s+64 MiB$/m);

    const list = await hotfn(["routes", "list", "rapp"], { env });
    expect(list.stdout).toMatch(/^\/echo\s+hotfn-test\/echo:latest\s+http\s+sync\s+64 MiB\s+30 s$/m);

    expect((await hotfn(["routes", "update", "rapp", "/echo", "--timeout", "5"], { env })).code).toBe(0);
    const got = JSON.parse((await hotfn(["routes", "get", "rapp", "/echo", "--json"], { env })).stdout);
    expect(got.route).toMatchObject({ timeout: 5, memory: 64, config: { MODE: "echo" }, headers: { "X-Route": ["yes"] } });

    expect((await hotfn(["routes", "delete", "rapp", "/echo"], { env })).stdout.trim()).toBe("deleted route /echo of app rapp");
    expect((await hotfn(["routes", "get", "rapp", "/echo"], { env })).code).toBe(1);
  });

  it("prints the server's message for a field it refuses, and exits 1", async () => {
    const r = await hotfn(["routes", "create", "rapp", "/bad", "--image", IMAGES.echo, "--format", "yaml"], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("format must be one of");
  });
});

describe("hotfn call, calls, logs", () => {
  beforeAll(async () => {
    for (const [path, config] of [["/echo", { MODE: "echo" }], ["/log", { MODE: "log" }]] as const) {
      expect((await hotfn(["routes", "create", "capp", path, "--image", IMAGES.echo, "--format", "http", "--memory", "64", ...Object.entries(config).flatMap(([k, v]) => ["--config", `${k}=${v}`])], { env })).code).toBe(0);
    }
  });

  it("sends --data, or stdin, as the body and prints the answer as it is", async () => {
    const data = await hotfn(["call", "capp", "/echo", "--data", "from data"], { env });
    expect(data).toMatchObject({ code: 0, stdout: "from data" });
    const stdin = await hotfn(["call", "capp", "echo"], { env, stdin: "from stdin\n" });
    expect(stdin).toMatchObject({ code: 0, stdout: "from stdin\n" });
  });

  it("exits 1 on a function's own non-2xx answer, printing its body and the call id", async () => {
    const r = await hotfn(["call", "capp", "/echo", "-d", "teapot", "-H", "x-status: 418"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("teapot");
    expect(r.stderr).toMatch(/the function answered 418 \(call [0-9a-f-]+: hotfn logs [0-9a-f-]+\)/);
  });

  it("exits 1 with hotfn's message when there is no such route", async () => {
    const r = await hotfn(["call", "capp", "/nope"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("hotfn: Route not found: no route matches /nope in app capp");
  });

  it("lists the route's calls and prints a call's log", async () => {
    const call = JSON.parse((await hotfn(["call", "capp", "/log", "--data", "a line for the log\n", "--json"], { env })).stdout);
    expect(call.status).toBe(200);
    expect(call.body).toBe("logged");
    // A sync call's record and log are written off the response path, a moment after its answer.
    let logs = await hotfn(["logs", call.call_id], { env });
    for (let i = 0; i < 50 && logs.code === 0 && logs.stdout === ""; i++) {
      await Bun.sleep(100);
      logs = await hotfn(["logs", call.call_id], { env });
    }
    expect(logs).toMatchObject({ code: 0, stdout: "a line for the log\n" });

    const calls = await hotfn(["calls", "capp", "/log"], { env });
    expect(calls.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+CREATED\s+TOOK\s+ERROR$/);
    expect(calls.stdout).toMatch(new RegExp(`^${call.call_id}\\s+success\\s`, "m"));
    const listed = JSON.parse((await hotfn(["calls", "capp", "/log", "--json", "--limit", "1"], { env })).stdout).calls;
    expect(listed).toHaveLength(1);
  });
});

describe("hotfn version", () => {
  it("prints the client's and the server's versions", async () => {
    const r = await hotfn(["version"], { env });
    const version = require("../package.json").version as string;
    expect(r.stdout).toBe(`client: hotfn ${version}\nserver: hotfn ${version} at ${s.url}\n`);
  });

  it("says where it looked when no server answers, and exits 1", async () => {
    const r = await hotfn(["version"], { env: { HOTFN_API_URL: "http://127.0.0.1:1" } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("client: hotfn");
    expect(r.stderr).toContain("cannot reach hotfn at http://127.0.0.1:1");
    expect(r.stderr).toContain("HOTFN_API_URL");
  });
});

describe("the token and the server's address", () => {
  // A real hotfn that wants an API token.
  const TOKEN = `api-${crypto.randomUUID()}`;
  let locked: TestServer;
  beforeAll(async () => {
    locked = await startServer({ env: { HOTFN_API_TOKEN: TOKEN, HOTFN_ASYNC_WORKERS: "0" } });
  });
  afterAll(async () => {
    await locked.stop();
  });

  it("sends HOTFN_TOKEN (else FN_TOKEN) as a bearer token to HOTFN_API_URL (else FN_API_URL), and hints at it on 401", async () => {
    const url = locked.url;
    const wrong = await hotfn(["apps", "list"], { env: { HOTFN_API_URL: url, HOTFN_TOKEN: "not-the-token-at-all", FN_TOKEN: TOKEN } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe("hotfn: Unauthorized: send a valid token as Authorization: Bearer <token> (set HOTFN_TOKEN, or FN_TOKEN, to the server's API token)");
    expect((await hotfn(["apps", "list"], { env: { HOTFN_API_URL: url, HOTFN_TOKEN: TOKEN, FN_TOKEN: "wrong-wrong-wrong" } })).code).toBe(0);
    expect((await hotfn(["apps", "create", "via-fn-token"], { env: { FN_API_URL: url, FN_TOKEN: TOKEN } })).code).toBe(0);
    expect((await locked.json("/v1/apps/via-fn-token", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});

describe("hotfn completion", () => {
  const complete = async (shell: string, line: string[]) => {
    const script = (await hotfn(["completion", shell])).stdout;
    const words = line.map((w) => JSON.stringify(w)).join(" ");
    const body = `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _hotfn; echo "\${COMPREPLY[*]}"`;
    const r = Bun.spawnSync(["bash", "-c", shell === "zsh" ? body.replace(/^autoload.*$/m, "") : body]);
    return r.stdout.toString().trim();
  };

  it("completes commands, subcommands and options in bash", async () => {
    expect(await complete("bash", ["hotfn", "ro"])).toBe("routes");
    expect(await complete("bash", ["hotfn", "routes", "c"])).toBe("create");
    expect((await complete("bash", ["hotfn", "routes", "create", "app", "/p", "--i"])).split(" ")).toEqual(["--image", "--idle-timeout"]);
    expect(await complete("bash", ["hotfn", "deploy", "fn", "--a"])).toBe("--app");
    expect(await complete("bash", ["hotfn", "serve", "--po"])).toBe("--port");
  });

  it("gives zsh the same completion through bashcompinit", async () => {
    const r = await hotfn(["completion", "zsh"]);
    expect(r.stdout.split("\n")[0]).toBe("#compdef hotfn");
    expect(r.stdout).toContain("bashcompinit");
    expect(await complete("zsh", ["hotfn", "apps", "l"])).toBe("list");
  });

  it("names the shells it knows", async () => {
    const r = await hotfn(["completion", "fish"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bash or zsh");
  });
});
