/**
 * Configuration: flags win over env, env over defaults; every bad field is reported; `--help` and
 * `--version` print and exit 0; a bad setting stops the process with a non-zero exit; the README's
 * configuration table is the current one.
 */
import { describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configTable } from "../scripts/config-table.ts";
import { loadConfig, SETTINGS, VERSION } from "../src/config.ts";

const ROOT = join(import.meta.dir, "..");
const pkg = (await Bun.file(join(ROOT, "package.json")).json()) as { version: string };

/** Runs `bun src/main.ts ARGS` with only `env` (plus PATH/HOME) and waits for it to exit. */
async function runMain(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { stdout, stderr, code };
}

describe("loadConfig", () => {
  it("gives every default when nothing is set", () => {
    const r = loadConfig([], {});
    if (r.kind !== "config") throw new Error(JSON.stringify(r));
    expect(r.config.port).toBe(8080);
    expect(r.config.dbUrl).toBe("file:./data/hotfn.db");
    expect(r.config.logLevel).toBe("info");
    expect(r.config.dockerHost).toBe("unix:///var/run/docker.sock");
    expect(r.config.maxApiBody).toBe(1024 * 1024);
    expect(r.config.dbAuthToken).toBeUndefined();
    expect(Object.isFrozen(r.config)).toBe(true);
  });

  it("reads the environment, and flags (--x v and --x=v) win over it", () => {
    const env = { PORT: "9000", LOG_LEVEL: "warn", DB_URL: ":memory:" };
    const fromEnv = loadConfig([], env);
    expect(fromEnv.kind === "config" && fromEnv.config).toMatchObject({ port: 9000, logLevel: "warn", dbUrl: ":memory:" });
    const flags = loadConfig(["--port", "9100", "--log-level=debug"], env);
    expect(flags.kind === "config" && flags.config).toMatchObject({ port: 9100, logLevel: "debug", dbUrl: ":memory:" });
  });

  it("lets a good flag override a bad env value", () => {
    const r = loadConfig(["--port", "0"], { PORT: "abc" });
    expect(r.kind === "config" && r.config.port).toBe(0);
  });

  it("treats an empty env value as unset", () => {
    const r = loadConfig([], { PORT: "" });
    expect(r.kind === "config" && r.config.port).toBe(8080);
  });

  it("reports every bad field at once, each with its env var and flag", () => {
    const r = loadConfig(["--log-level", "loud", "--nope"], { PORT: "abc", HOTFN_MAX_API_BODY: "12", DB_URL: "mysql://x" });
    if (r.kind !== "errors") throw new Error(`expected errors, got ${r.kind}`);
    const text = r.errors.join("\n");
    for (const want of ["PORT (--port)", "HOTFN_MAX_API_BODY (--max-api-body)", "DB_URL (--db-url)", "LOG_LEVEL (--log-level)", "--nope"]) {
      expect(text).toContain(want);
    }
    expect(r.errors).toHaveLength(5);
  });

  it("refuses ports out of range and a flag without its value", () => {
    expect(loadConfig([], { PORT: "65536" }).kind).toBe("errors");
    const r = loadConfig(["--port"], {});
    expect(r.kind === "errors" && r.errors.join()).toContain("--port needs a value");
  });

  it("reads a secret from its _FILE (or -file flag), trailing newline removed, and never prints it", () => {
    const files: Record<string, string> = { "/run/secrets/api": "from-the-file-0123456789\n", "/run/secrets/empty": "" };
    const read = (path: string) => {
      if (!(path in files)) throw Object.assign(new Error("nope"), { code: "ENOENT" });
      return files[path]!;
    };
    const fromFile = loadConfig([], { HOTFN_API_TOKEN_FILE: "/run/secrets/api" }, read);
    expect(fromFile.kind === "config" && fromFile.config.apiToken).toBe("from-the-file-0123456789");
    const fromFlag = loadConfig(["--worker-token-file", "/run/secrets/api"], {}, read);
    expect(fromFlag.kind === "config" && fromFlag.config.workerToken).toBe("from-the-file-0123456789");

    const bad = loadConfig([], { HOTFN_API_TOKEN: "too-short", HOTFN_WORKER_TOKEN_FILE: "/run/secrets/missing", HOTFN_INVOKE_TOKEN_FILE: "/run/secrets/empty" }, read);
    if (bad.kind !== "errors") throw new Error(`expected errors, got ${bad.kind}`);
    const text = bad.errors.join("\n");
    expect(text).toContain("HOTFN_API_TOKEN (--api-token) = (hidden): must be at least 16 characters");
    expect(text).not.toContain("too-short");
    expect(text).toContain("HOTFN_WORKER_TOKEN_FILE");
    expect(text).toContain("ENOENT");
    expect(text).toContain("the file is empty");
    const both = loadConfig([], { HOTFN_API_TOKEN: "a".repeat(20), HOTFN_API_TOKEN_FILE: "/run/secrets/api" }, read);
    expect(both.kind === "errors" && both.errors.join()).toContain("HOTFN_API_TOKEN and HOTFN_API_TOKEN_FILE are both set");
  });

  it("listens on loopback without an API token, everywhere with one, and refuses a non-loopback HOST without one unless HOTFN_INSECURE=1", () => {
    const plain = loadConfig([], {});
    expect(plain.kind === "config" && plain.config.host).toBe("127.0.0.1");
    const token = "t".repeat(32);
    const guarded = loadConfig([], { HOTFN_API_TOKEN: token });
    expect(guarded.kind === "config" && guarded.config.host).toBe("0.0.0.0");
    const pinned = loadConfig(["--host", "127.0.0.2"], { HOTFN_API_TOKEN: token });
    expect(pinned.kind === "config" && pinned.config.host).toBe("127.0.0.2");
    for (const host of ["0.0.0.0", "::", "10.1.2.3", "myhost.example.com"]) {
      const r = loadConfig([], { HOST: host });
      expect(r.kind === "errors" && r.errors.join(), host).toContain("HOTFN_INSECURE=1");
      const insecure = loadConfig([], { HOST: host, HOTFN_INSECURE: "1" });
      expect(insecure.kind === "config" && insecure.config.host).toBe(host);
    }
    for (const host of ["localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"]) expect(loadConfig([], { HOST: host }).kind, host).toBe("config");
  });

  it("reads durations and lists", () => {
    const r = loadConfig([], { HOTFN_CALL_RETENTION: "12h", HOTFN_ALLOWED_IMAGES: " a/*, b/** ,", HOTFN_CPUS_PER_GB: "0.5" });
    expect(r.kind === "config" && r.config).toMatchObject({ callRetentionMs: 12 * 3600_000, allowedImages: ["a/*", "b/**"], cpusPerGb: 0.5 });
    expect(loadConfig([], {}).kind === "config" && (loadConfig([], {}) as { config: { callRetentionMs: number } }).config.callRetentionMs).toBe(7 * 86_400_000);
    expect(loadConfig([], { HOTFN_CALL_RETENTION: "soon" }).kind).toBe("errors");
  });

  it("answers --help and --version before looking at anything else", () => {
    const help = loadConfig(["--port", "abc", "--help"], {});
    expect(help.kind).toBe("help");
    expect(loadConfig(["--version"], { PORT: "abc" })).toEqual({ kind: "version", text: `hotfn ${pkg.version}` });
    expect(VERSION).toBe(pkg.version);
  });
});

describe("the hotfn process", () => {
  it("prints help listing every setting and exits 0 on --help", async () => {
    const r = await runMain(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: hotfn");
    for (const s of Object.values(SETTINGS)) {
      expect(r.stdout).toContain(s.env);
      expect(r.stdout).toContain(s.flag);
    }
  });

  it("prints its version and exits 0 on --version", async () => {
    const r = await runMain(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`hotfn ${pkg.version}`);
  });

  it("prints every bad field and exits non-zero on a bad configuration", async () => {
    const r = await runMain([], { PORT: "abc", LOG_LEVEL: "chatty", HOTFN_MAX_API_BODY: "-1" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("bad configuration");
    for (const want of ["PORT", "LOG_LEVEL", "HOTFN_MAX_API_BODY"]) expect(r.stderr).toContain(want);
    expect(r.stderr).not.toContain('"msg":"listening"');
  });

  it("starts with flags that override bad env values", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hotfn-cfg-"));
    const proc = Bun.spawn(
      [process.execPath, join(ROOT, "src/main.ts"), "--port", "0", "--host", "127.0.0.1", "--log-level", "info", "--db-url", `file:${join(dir, "x.db")}`],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", PORT: "abc", LOG_LEVEL: "silent", HOTFN_NODE: `test-cfg-${crypto.randomUUID().slice(0, 8)}` },
        stdout: "ignore",
        stderr: "pipe",
      },
    );
    try {
      // Read stderr to its end, in the background: a closed pipe would fail the server's log writes.
      let log = "";
      const decoder = new TextDecoder();
      const reading = (async () => {
        for await (const chunk of proc.stderr) log += decoder.decode(chunk, { stream: true });
      })();
      while (!log.includes('"msg":"listening"') && proc.exitCode === null) await Bun.sleep(10);
      const url = /"url":"([^"]+)"/.exec(log)?.[1];
      expect(url).toBeDefined();
      expect((await fetch(`${url}/version`)).status).toBe(200);
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      await reading;
      expect(log).toContain('"msg":"stopped"');
    } finally {
      proc.kill("SIGKILL"); // no-op when it already exited
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("README.md", () => {
  it("holds the current configuration table (regenerate with bun scripts/config-table.ts)", async () => {
    const readme = await Bun.file(join(ROOT, "README.md")).text();
    expect(readme).toContain(configTable());
  });
});
