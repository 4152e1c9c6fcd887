/**
 * Tests of the handler, called directly: no socket, no hotfn. Run them with `bun test`, or with the
 * Bun inside hotfn: `BUN_BE_BUN=1 hotfn test`.
 */
import { describe, expect, it } from "bun:test";
import { handler } from "./func.ts";

describe("handler", () => {
  it("greets the name in the body", async () => {
    const res = await handler(new Request("http://localhost/", { method: "POST", body: "Ada" }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Ada!");
  });

  it("greets the world when no name is given", async () => {
    const res = await handler(new Request("http://localhost/"));
    expect(await res.text()).toContain("world!");
  });
});
