import { describe, expect, it } from "bun:test";
import { transpileClient } from "../../scripts/embed-client.ts";
import { CLIENT_MODULES } from "./client.gen.ts";

describe("src/ui/client.gen.ts", () => {
  it("holds every browser module of src/ui/client as it now transpiles (else: bun run ui:generate)", async () => {
    expect(CLIENT_MODULES).toEqual(await transpileClient());
  });
});
