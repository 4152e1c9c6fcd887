import { describe, expect, it } from "bun:test";
import type { App, Route } from "../model.ts";
import { callEnv, functionEnv, functionKey, joinHeaders } from "./contract.ts";
import type { Invocation } from "./types.ts";

const at = new Date(0);
const app = (config: Record<string, string> = {}): App => ({ name: "myapp", config, createdAt: at, updatedAt: at });
const route = (o: Partial<Route> = {}): Route => ({
  appName: "myapp", path: "/users/:id", image: "hotfn-test/echo", type: "sync", format: "default", memory: 128,
  timeout: 30, idleTimeout: 30, user: "", headers: {}, config: {}, createdAt: at, updatedAt: at, ...o,
});

describe("functionEnv", () => {
  it("sets the FN_* values and merges app then route config, route winning, keys upper-cased with - → _", () => {
    const env = functionEnv(app({ "db-url": "app", shared: "app" }), route({ config: { shared: "route", FN_FORMAT: "fake" } }));
    expect(env).toEqual({
      DB_URL: "app", SHARED: "route",
      FN_APP_NAME: "myapp", FN_PATH: "/users/:id", FN_FORMAT: "default", FN_MEMORY: "128", FN_TYPE: "sync",
    });
  });
});

describe("callEnv", () => {
  it("adds the per-call values under FN_* and the unprefixed 2017 names", () => {
    const inv: Invocation = {
      callId: "c1", app: app(), route: route(), params: { id: "42" }, method: "POST", url: "http://h/r/myapp/users/42?x=1",
      headers: [["Content-Type", "text/plain"], ["X-Multi", "a"], ["x-multi", "b"], ["X-Evil", "a\r\nb"]],
      body: new Uint8Array(), priority: "sync",
    };
    const env = callEnv(inv);
    expect(env).toMatchObject({
      FN_CALL_ID: "c1", APP_NAME: "myapp", ROUTE: "/users/:id",
      FN_METHOD: "POST", METHOD: "POST", FN_REQUEST_URL: "http://h/r/myapp/users/42?x=1", REQUEST_URL: "http://h/r/myapp/users/42?x=1",
      FN_HEADER_CONTENT_TYPE: "text/plain", HEADER_CONTENT_TYPE: "text/plain",
      FN_HEADER_X_MULTI: "a, b", FN_HEADER_X_EVIL: "a  b",
      FN_PARAM_ID: "42", PARAM_ID: "42",
    });
  });
});

describe("joinHeaders", () => {
  it("merges repeated names case-insensitively, keeping the first spelling", () => {
    expect([...joinHeaders([["A", "1"], ["b", "2"], ["a", "3"]])]).toEqual([["A", "1, 3"], ["b", "2"]]);
  });
});

describe("functionKey", () => {
  it("is stable and changes with image, format, memory or config, not with timeouts", () => {
    const k = functionKey(app(), route());
    expect(functionKey(app(), route({ timeout: 5, idleTimeout: 1 }))).toBe(k);
    for (const other of [route({ image: "x" }), route({ format: "http" }), route({ memory: 64 }), route({ config: { a: "1" } })]) {
      expect(functionKey(app(), other)).not.toBe(k);
    }
    expect(functionKey(app({ a: "1" }), route())).not.toBe(k);
  });
});
