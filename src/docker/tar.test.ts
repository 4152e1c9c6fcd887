import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tarStream } from "./tar.ts";

const dir = mkdtempSync(join(tmpdir(), "hotfn-tar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe("tarStream", () => {
  it("writes an archive GNU tar extracts with every mode as given (a 1777 directory included)", async () => {
    const source = join(dir, "source.bin");
    writeFileSync(source, Buffer.alloc(1000, 7));
    const long = `${"deep/".repeat(30)}file.txt`;
    const archive = await bytesOf(
      tarStream([
        { type: "dir", path: "tmp", mode: 0o1777 },
        { type: "file", path: "etc/passwd", mode: 0o644, data: "nobody:x:65534:65534::/tmp:/bin/false\n" },
        { type: "file", path: "usr/bin/tool", mode: 0o755, source },
        { type: "file", path: long, mode: 0o600, data: new Uint8Array([1, 2, 3]) },
      ]),
    );
    expect(archive.length % 512).toBe(0);
    writeFileSync(join(dir, "a.tar"), archive);
    const out = join(dir, "out");
    Bun.spawnSync(["mkdir", "-p", out]);
    const untar = Bun.spawnSync(["tar", "-xpf", join(dir, "a.tar"), "-C", out]);
    expect(untar.stderr.toString()).toBe("");
    expect(untar.exitCode).toBe(0);
    expect(statSync(join(out, "tmp")).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(out, "usr/bin/tool")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(out, "usr/bin/tool"))).toEqual(Buffer.alloc(1000, 7));
    expect(readFileSync(join(out, "etc/passwd"), "utf8")).toContain("nobody");
    expect([...readFileSync(join(out, long))]).toEqual([1, 2, 3]);
  });

  it("refuses a path no ustar header can hold", async () => {
    await expect(bytesOf(tarStream([{ type: "file", path: "x".repeat(300), mode: 0o644, data: "" }]))).rejects.toThrow("too long");
  });
});
