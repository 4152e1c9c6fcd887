import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { startServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.stop();
});

describe("a fresh server", () => {
  it("answers ping and version over HTTP", async () => {
    expect((await s.json("/")).status).toBe(200);
    const v = await s.json("/version");
    expect(v.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await s.json("/v1/version")).body).toEqual(v.body);
  });
});
