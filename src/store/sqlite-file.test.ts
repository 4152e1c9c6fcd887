import { describe, expect, it } from "bun:test";
import { localFilePath } from "./sqlite-file.ts";

describe("localFilePath", () => {
  it("reads a file URL's path as @libsql/client does", () => {
    expect(localFilePath("file:data/hotfn.db")).toBe("data/hotfn.db");
    expect(localFilePath("file:/var/lib/hotfn.db")).toBe("/var/lib/hotfn.db");
    expect(localFilePath("file:///var/lib/hotfn.db")).toBe("/var/lib/hotfn.db");
    expect(localFilePath("file://localhost/var/lib/hotfn.db")).toBe("/var/lib/hotfn.db");
    expect(localFilePath("file:/tmp/my%20data/hotfn.db")).toBe("/tmp/my data/hotfn.db");
  });

  it("names no file for memory, a server, another host or connection options", () => {
    for (const url of [":memory:", "file::memory:", "file:x.db?mode=memory", "file:x.db?cache=shared", "file:x.db#a", "libsql://db.example.com", "http://127.0.0.1:8080", "file://otherhost/x.db"]) {
      expect(localFilePath(url)).toBeUndefined();
    }
  });
});
