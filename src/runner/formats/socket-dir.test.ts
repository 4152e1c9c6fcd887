import { afterAll, describe, expect, it } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionFailed } from "../../errors.ts";
import { claimSocket, claimedPath, createContainerDir, ensurePrivateDirs, removeContainerDir } from "./socket-dir.ts";

const top = mkdtempSync(join(tmpdir(), "hotfn-sockdir-test-"));
afterAll(() => rmSync(top, { recursive: true, force: true }));

/** A listening unix socket at `path`, as a function would bind it. */
function listen(path: string) {
  return Bun.serve({ unix: path, fetch: () => new Response(`answered by ${path}`) });
}

describe("ensurePrivateDirs", () => {
  it("creates every level 0700 and tightens a level that exists with a wider mode", async () => {
    const base = join(top, "a", "hotfn-iofs");
    mkdirSync(join(top, "a"));
    mkdirSync(base, { mode: 0o755 });
    const root = join(base, "node", "instance");
    await ensurePrivateDirs(base, root);
    for (const dir of [base, join(base, "node"), root]) expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("refuses a level that is a symlink (a planted link in a shared temp dir)", async () => {
    const base = join(top, "b-hotfn-iofs");
    mkdirSync(join(top, "elsewhere"));
    symlinkSync(join(top, "elsewhere"), base);
    await expect(ensurePrivateDirs(base, join(base, "n"))).rejects.toThrow(/is not a directory of this user/);
    expect(existsSync(join(top, "elsewhere", "n"))).toBe(false);
  });
});

describe("claimSocket", () => {
  it("moves a linked socket out of the function's directory; swapping the names later changes nothing", async () => {
    const root = join(top, "claim");
    await ensurePrivateDirs(root, root);
    const dir = await createContainerDir(root);
    expect(statSync(dir).mode & 0o777).toBe(0o777);
    const fn = listen(join(dir, "lsnr.sock.tmp"));
    const decoy = listen(join(top, "decoy.sock"));
    symlinkSync("lsnr.sock.tmp", join(dir, "lsnr.sock"));
    try {
      const path = await claimSocket(dir);
      expect(path).toBe(claimedPath(dir));
      expect(lstatSync(path).isSocket()).toBe(true);
      // The function repoints both names at a host socket: hotfn's path still reaches the function.
      rmSync(join(dir, "lsnr.sock"));
      symlinkSync(join(top, "decoy.sock"), join(dir, "lsnr.sock"));
      symlinkSync(join(top, "decoy.sock"), join(dir, "lsnr.sock.tmp"));
      const res = await fetch("http://localhost/call", { unix: path, method: "POST" });
      expect(await res.text()).toBe(`answered by ${join(dir, "lsnr.sock.tmp")}`);
    } finally {
      fn.stop(true);
      decoy.stop(true);
    }
    await removeContainerDir(dir);
    expect(readdirSync(root)).toEqual([]);
  });

  it("refuses links that leave the directory or point at something that is not a socket", async () => {
    const root = join(top, "refuse");
    await ensurePrivateDirs(root, root);
    const outside = await createContainerDir(root);
    symlinkSync("/var/run/docker.sock", join(outside, "lsnr.sock"));
    await expect(claimSocket(outside)).rejects.toThrow(/points outside its directory/);
    const chain = await createContainerDir(root);
    symlinkSync("hop", join(chain, "lsnr.sock"));
    symlinkSync("/var/run/docker.sock", join(chain, "hop"));
    await expect(claimSocket(chain)).rejects.toBeInstanceOf(FunctionFailed);
    await expect(claimSocket(chain)).rejects.toThrow(/not a socket/);
  });
});
