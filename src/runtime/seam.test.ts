/**
 * The runtime seam holds: outside src/runtime/, no source calls `Bun.*` or `Deno.*` or imports
 * `bun` or a `bun:` module (src/build/ excepted: building a function is Bun's job; src/store/pg/
 * too: the PostgreSQL dialect is Bun's SQL client, loaded only for a postgres:// URL on Bun; tests
 * run on bun:test).
 */
import { describe, expect, it } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(import.meta.dir, "..");

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.(ts|tsx|js)$/.test(e.name) && !e.name.endsWith(".test.ts") && !e.name.endsWith(".gen.ts")) out.push(p);
  }
  return out;
}

/** Code only: comments may name either runtime when they explain why. */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");

describe("the runtime seam", () => {
  it("is the only place that names Bun or Deno in code", () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file);
      if (rel.startsWith("runtime/") || rel.startsWith("build/") || rel.startsWith("store/pg/")) continue;
      const text = code(readFileSync(file, "utf8"));
      for (const m of text.matchAll(/\b(Bun|Deno)\.\w+|from\s+["']bun(:\w+)?["']/g)) offenders.push(`${rel}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });
});
