import { describe, expect, it } from "bun:test";
import { FunctionFailed } from "../errors.ts";
import { createImageResolver } from "./images.ts";

const notFound = () => Object.assign(new Error("(HTTP code 404) no such image - No such image: x"), { statusCode: 404 });
const registryDown = () => Object.assign(new Error("(HTTP code 500) server error - Get https://registry.internal:5000/v2/: dial tcp 10.0.0.53:53: no such host"), { statusCode: 500 });

describe("createImageResolver", () => {
  it("pull=missing: does not pull an image that is present, and reads its USER", async () => {
    let pulls = 0;
    const resolve = createImageResolver({ inspect: async () => ({ user: "app" }), pull: async () => void pulls++ }, "missing");
    expect(await resolve("present")).toEqual({ user: "app" });
    expect(pulls).toBe(0);
  });

  it("pull=missing: collapses concurrent pulls of one image into one, then fails all callers fast without the registry's words", async () => {
    let pulls = 0;
    const resolve = createImageResolver(
      {
        inspect: async () => Promise.reject(notFound()),
        pull: async () => {
          pulls++;
          await Bun.sleep(20);
          throw registryDown();
        },
      },
      "missing",
    );
    const results = await Promise.all([1, 2, 3].map(() => resolve("missing:1").catch((e: unknown) => e)));
    expect(pulls).toBe(1);
    for (const err of results) {
      expect(err).toBeInstanceOf(FunctionFailed);
      const failed = err as FunctionFailed;
      expect(failed.message).toBe("image missing:1 is not present on this node and could not be pulled; hotfn's log has the registry's answer");
      expect(failed.message).not.toContain("registry.internal");
      // the log keeps the engine's own words
      expect(String((failed.cause as Error).message)).toContain("registry.internal");
    }
  });

  it("pull=missing: succeeds when the pull brings the image", async () => {
    let present = false;
    const resolve = createImageResolver(
      { inspect: async () => (present ? { user: "" } : Promise.reject(notFound())), pull: async () => void (present = true) },
      "missing",
    );
    await resolve("pullable");
    expect(present).toBe(true);
  });

  it("pull=never: fails a missing image at once and never pulls", async () => {
    let pulls = 0;
    const resolve = createImageResolver({ inspect: async () => Promise.reject(notFound()), pull: async () => void pulls++ }, "never");
    const err = await resolve("absent:1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FunctionFailed);
    expect((err as Error).message).toContain("HOTFN_PULL=never");
    expect(pulls).toBe(0);
  });

  it("pull=always: pulls a present image before every start, sharing concurrent pulls", async () => {
    let pulls = 0;
    const resolve = createImageResolver(
      {
        inspect: async () => ({ user: "" }),
        pull: async () => {
          pulls++;
          await Bun.sleep(10);
        },
      },
      "always",
    );
    await Promise.all([resolve("img"), resolve("img")]);
    await resolve("img");
    expect(pulls).toBe(2);
  });

  it("asks the engine about a present image once for a few seconds of starts, and again when it was missing", async () => {
    let inspects = 0;
    let present = false;
    const resolve = createImageResolver(
      {
        inspect: async () => {
          inspects++;
          return present ? { user: "" } : Promise.reject(notFound());
        },
        pull: async () => void (present = true),
      },
      "missing",
    );
    await resolve("img");
    expect(inspects).toBe(2); // missing, then present after the pull
    await resolve("img");
    await resolve("img");
    expect(inspects).toBe(2);
  });
});
