import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSpec, FuncYamlInvalid, nextPatch, readFuncYaml, writeVersion } from "./func-yaml.ts";

const dir = mkdtempSync(join(tmpdir(), "hotfn-funcyaml-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checkSpec", () => {
  it("fills what func.yaml leaves out: version 0.0.1, runtime docker, path /NAME", () => {
    expect(checkSpec({ name: "hello" })).toEqual({ name: "hello", version: "0.0.1", runtime: "docker", path: "/hello" });
  });

  it("keeps the route fields it knows, in their types", () => {
    const spec = checkSpec({ name: "a", version: "1.2.3", runtime: "bun", format: "http-stream", memory: 64, timeout: 5, idle_timeout: 9, type: "async", path: "/x/y", config: { A: "1", B: 2 } });
    expect(spec).toEqual({ name: "a", version: "1.2.3", runtime: "bun", format: "http-stream", memory: 64, timeout: 5, idleTimeout: 9, type: "async", path: "/x/y", config: { A: "1", B: "2" } });
  });

  it("takes the path from Fn's http trigger when there is no path, and ignores fields it does not know", () => {
    const fn = { schema_version: 20180708, name: "fnfunc", version: "0.0.3", runtime: "node", triggers: [{ name: "t", type: "http", source: "/fnfunc-trigger" }] };
    expect(checkSpec(fn)).toMatchObject({ runtime: "node", path: "/fnfunc-trigger" });
  });

  it.each([
    [{}, "name is required"],
    [{ name: "Hello World" }, "name"],
    [{ name: "ok", version: "1.0" }, "version"],
    [{ name: "ok", runtime: "python" }, "runtime"],
    [{ name: "ok", memory: -1 }, "memory must be a whole number above 0"],
    [{ name: "ok", timeout: "30" }, "timeout"],
    [{ name: "ok", config: ["A=1"] }, "config"],
    [["name: x"], "must be a mapping"],
  ])("refuses %j, naming the field (%s)", (doc, field) => {
    expect(() => checkSpec(doc)).toThrow(FuncYamlInvalid);
    expect(() => checkSpec(doc)).toThrow(field);
  });
});

describe("versions", () => {
  it("raises the patch number", () => {
    expect(nextPatch("0.0.9")).toBe("0.0.10");
    expect(nextPatch("2.3.4")).toBe("2.3.5");
  });

  it("rewrites only the version line, keeping comments and the other fields as they were", async () => {
    const file = join(dir, "func.yaml");
    writeFileSync(file, "# my function\nname: hi # the name\nversion: '0.1.9'   # bumped by deploy\nruntime: bun\n");
    await writeVersion(dir, "0.1.10");
    expect(readFileSync(file, "utf8")).toBe("# my function\nname: hi # the name\nversion: '0.1.10'   # bumped by deploy\nruntime: bun\n");
    expect((await readFuncYaml(dir)).version).toBe("0.1.10");
  });

  it("adds a version line after the name when there is none", async () => {
    writeFileSync(join(dir, "func.yaml"), "name: hi\nruntime: bun\n");
    await writeVersion(dir, "0.0.2");
    expect(readFileSync(join(dir, "func.yaml"), "utf8")).toBe("name: hi\nversion: 0.0.2\nruntime: bun\n");
  });
});

describe("readFuncYaml", () => {
  it("says which file is missing and how to make one", async () => {
    await expect(readFuncYaml(join(dir, "nowhere"))).rejects.toThrow(/func\.yaml: cannot read it .*hotfn init/);
  });

  it("says when the file is not YAML", async () => {
    writeFileSync(join(dir, "func.yaml"), "name: [unclosed\n");
    await expect(readFuncYaml(dir)).rejects.toThrow("not valid YAML");
  });
});
