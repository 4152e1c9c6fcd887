import { describe, expect, it } from "bun:test";
import { FunctionFailed } from "../errors.ts";
import { createImageEnsurer } from "./images.ts";

const notFound = () => Object.assign(new Error("(HTTP code 404) no such image - No such image: x"), { statusCode: 404 });

describe("createImageEnsurer", () => {
  it("does not pull an image that is present", async () => {
    let pulls = 0;
    const ensure = createImageEnsurer({ inspect: async () => ({}), pull: async () => void pulls++ });
    await ensure("present");
    expect(pulls).toBe(0);
  });

  it("collapses concurrent pulls of one image into one, then fails all callers fast with the reason", async () => {
    let pulls = 0;
    const ensure = createImageEnsurer({
      inspect: async () => Promise.reject(notFound()),
      pull: async () => {
        pulls++;
        await Bun.sleep(20);
        throw Object.assign(new Error("(HTTP code 500) server error - no registry here"), { statusCode: 500 });
      },
    });
    const results = await Promise.all([1, 2, 3].map(() => ensure("missing:1").catch((e) => e)));
    expect(pulls).toBe(1);
    for (const err of results) {
      expect(err).toBeInstanceOf(FunctionFailed);
      expect(err.message).toBe("image missing:1 is not available: not present locally and could not be pulled: no registry here");
    }
  });

  it("succeeds when the pull brings the image", async () => {
    let present = false;
    const ensure = createImageEnsurer({
      inspect: async () => (present ? {} : Promise.reject(notFound())),
      pull: async () => void (present = true),
    });
    await ensure("pullable");
    expect(present).toBe(true);
  });
});
