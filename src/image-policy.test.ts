import { describe, expect, it } from "bun:test";
import { createImagePolicy } from "./image-policy.ts";

describe("createImagePolicy", () => {
  it("allows any image without patterns", () => {
    const any = createImagePolicy(undefined);
    expect(any.allows("whatever/image:1")).toBe(true);
    expect(any.patterns).toBeUndefined();
  });

  it("matches * within a path segment and ** across segments", () => {
    const p = createImagePolicy(["registry.example.com/team/*", "hotfn/**"]);
    expect(p.allows("registry.example.com/team/fn:1.0")).toBe(true);
    expect(p.allows("registry.example.com/team/fn@sha256:" + "a".repeat(64))).toBe(true);
    expect(p.allows("registry.example.com/team/sub/fn:1.0")).toBe(false);
    expect(p.allows("registry.example.com/other/fn:1.0")).toBe(false);
    expect(p.allows("evil.com/registry.example.com/team/fn")).toBe(false);
    expect(p.allows("hotfn/a/b/c:2")).toBe(true);
  });

  it("treats pattern characters other than * literally", () => {
    const p = createImagePolicy(["a.b/c:1"]);
    expect(p.allows("a.b/c:1")).toBe(true);
    expect(p.allows("aXb/c:1")).toBe(false);
  });

  it("reads a reference as Docker does: an implied :latest, and docker.io/library for official images", () => {
    const p = createImagePolicy(["busybox:latest", "docker.io/library/alpine:*", "docker.io/acme/*"]);
    expect(p.allows("busybox")).toBe(true);
    expect(p.allows("busybox:1.36")).toBe(false);
    expect(p.allows("alpine:3")).toBe(true);
    expect(p.allows("acme/fn")).toBe(true);
    expect(p.allows("localhost:5000/acme/fn")).toBe(false);
  });
});
