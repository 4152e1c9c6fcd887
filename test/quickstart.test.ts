/**
 * The README's quick start, word for word: its `<!-- quickstart: ... -->` blocks are read from
 * README.md and run as they are, so the README and this test cannot drift apart. What stands in for
 * what a person has:
 * - "a clone of this repository" is this checkout: the first block's setup line (npm install && npm
 *   run build) runs here;
 * - "the same directory", where the server starts and the second terminal works, is an otherwise
 *   empty temporary directory holding a copy of dist/hotfn (no node_modules anywhere above it), so
 *   the built executable alone does the init, the build and the deploy;
 * - the server gets a free port, its own database and node label, and the commands reach it through
 *   HOTFN_API_URL; the README's `localhost:8080` is read as that address. Images are named under a
 *   prefix this test owns (HOTFN_REGISTRY) and removed at the end;
 * - the later blocks run in the shell state the earlier ones left (the `export PATH`).
 * Each block's printed output (stdout) must be the README's text block that follows it.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { removeImages } from "./helpers/cli.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

const ROOT = join(import.meta.dir, "..");
const PREFIX = `hotfn-test-qs-${crypto.randomUUID().slice(0, 8)}`;

interface Block {
  name: string;
  commands: string[];
  /** the text block the README shows after it, if any */
  prints?: string;
}

/** The quickstart blocks of README.md, in order. */
function quickstart(): Block[] {
  const lines = readFileSync(join(ROOT, "README.md"), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- quickstart: (.+?) (\(.*\) )?-->$/.exec(lines[i]!) ?? /^<!-- quickstart: (.+?) -->$/.exec(lines[i]!);
    if (!marker) continue;
    const fence = (from: number, kind: string) => {
      for (let j = from; j < lines.length && !lines[j]!.startsWith("<!-- quickstart:") && !lines[j]!.startsWith("## "); j++) {
        if (lines[j] === `\`\`\`${kind}`) {
          const end = lines.indexOf("```", j + 1);
          return { body: lines.slice(j + 1, end), end };
        }
      }
      return undefined;
    };
    const sh = fence(i + 1, "sh");
    if (!sh) throw new Error(`README.md: the quickstart block "${marker[1]}" has no \`\`\`sh fence`);
    const text = fence(sh.end + 1, "text");
    blocks.push({ name: marker[1]!, commands: sh.body.filter((l) => l.trim() !== ""), prints: text ? `${text.body.join("\n")}\n` : undefined });
  }
  return blocks;
}

const blocks = quickstart();
let dir: string;
let server: TestServer | undefined;
let local: (text: string) => string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hotfn-quickstart-"));
});
afterAll(async () => {
  await server?.stop();
  removeImages(PREFIX);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `script` with bash (stopping at the first failure) in `cwd`, the test's world in the environment. */
function sh(script: string, cwd: string, env: Record<string, string>) {
  const r = Bun.spawnSync(["bash", "-e", "-o", "pipefail", "-c", script], { cwd, env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: dir, ...env }, stdin: "ignore" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe("the README's quick start", () => {
  it("has the server, the function, the change and the test, in that order", () => {
    expect(blocks.map((b) => b.name)).toEqual(["the server", "the function", "the change", "the handler's test"]);
  });

  it("builds hotfn and starts the server as the first block says", async () => {
    const [setup, serve] = [blocks[0]!.commands.slice(0, -1), blocks[0]!.commands.at(-1)!];
    // The clone: npm install && npm run build, here. PATH keeps node and npm.
    for (const line of setup) {
      const r = Bun.spawnSync(["bash", "-e", "-c", line], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root" }, stdin: "ignore" });
      expect(r.exitCode, `${line}\n${r.stdout}${r.stderr}`).toBe(0);
    }
    // The directory a person works in, with the executable in dist/ and nothing else.
    mkdirSync(join(dir, "dist"));
    copyFileSync(join(ROOT, "dist/hotfn"), join(dir, "dist/hotfn"));
    Bun.spawnSync(["chmod", "755", join(dir, "dist/hotfn")]);
    for (let d = dir; d !== dirname(d); d = dirname(d)) expect(existsSync(join(d, "node_modules")), d).toBe(false);

    server = await startServer({ bin: "bash", args: ["-c", `exec ${serve}`], cwd: dir, env: { PATH: "/usr/bin:/bin", HOME: dir } });
    const address = server.url.replace(/^http:\/\//, "");
    local = (text) => text.replaceAll("localhost:8080", address);
    expect((await server.json("/v1/apps")).status).toBe(200);
  }, 300_000);

  it("makes, deploys and calls the function, printing what the README shows", () => {
    const block = blocks[1]!;
    const r = sh(local(block.commands.join("\n")), dir, { HOTFN_API_URL: server!.url, HOTFN_REGISTRY: PREFIX });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(local(block.prints!));
    // The build's progress went to stderr.
    expect(r.stderr).toContain("runtime base");
  }, 120_000);

  it("serves the changed handler after the second deploy", () => {
    const block = blocks[2]!;
    // The same terminal: the PATH the previous block exported.
    const r = sh(local(block.commands.join("\n")), dir, { PATH: `${dir}/dist:/usr/local/bin:/usr/bin:/bin`, HOTFN_API_URL: server!.url, HOTFN_REGISTRY: PREFIX });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(local(block.prints!));
    expect(readFileSync(join(dir, "hello/func.yaml"), "utf8")).toContain("version: 0.0.3\n");
  }, 120_000);

  it("runs the handler's test with the Bun inside hotfn", () => {
    const r = sh(blocks[3]!.commands.join("\n"), dir, { PATH: `${dir}/dist:/usr/local/bin:/usr/bin:/bin` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(" 2 pass");
  });
});
