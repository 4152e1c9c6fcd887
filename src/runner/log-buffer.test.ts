import { describe, expect, it } from "bun:test";
import { createLogBuffer } from "./log-buffer.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("createLogBuffer", () => {
  it("keeps everything under the cap", () => {
    const log = createLogBuffer(100);
    log.write(enc("one\n"));
    log.write(enc("two\n"));
    expect(log.text()).toBe("one\ntwo\n");
    expect(log.dropped).toBe(0);
  });

  it("keeps the first bytes up to the cap and says how many were dropped", () => {
    const log = createLogBuffer(5);
    log.write(enc("abc"));
    log.write(enc("defgh"));
    log.write(enc("ij"));
    expect(log.dropped).toBe(5);
    expect(log.text()).toBe("abcde\n[hotfn: 5 more bytes of log dropped]\n");
  });

  it("does not end in a broken character when the cap cuts one", () => {
    const log = createLogBuffer(4);
    log.write(enc("abcé")); // é is two bytes: the cap falls inside it
    expect(log.text().startsWith("abc\n")).toBe(true);
  });

  it("keeps nothing with a cap of 0", () => {
    const log = createLogBuffer(0);
    log.write(enc("x"));
    expect(log.text()).toBe("\n[hotfn: 1 more bytes of log dropped]\n");
  });

  it("copies what it keeps", () => {
    const log = createLogBuffer(10);
    const buf = enc("abc");
    log.write(buf);
    buf[0] = 120;
    expect(log.text()).toBe("abc");
  });
});
