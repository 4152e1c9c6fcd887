import { describe, expect, it } from "bun:test";
import { CALL_LOG_TRAIL_MS } from "../../model.ts";
import { createLogBuffer } from "../log-buffer.ts";
import { createCallLogRouter } from "./call-log.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("call log router", () => {
  it("gives a call's log the stderr that trails its answer, and closes it when the next call begins", () => {
    const stray: string[] = [];
    const router = createCallLogRouter((c) => stray.push(new TextDecoder().decode(c)));
    const first = createLogBuffer(1024);
    const second = createLogBuffer(1024);
    router.begin(first);
    router.write(enc("during\n"));
    router.end();
    router.write(enc("trailing\n"));
    expect(first.complete).toBe(false);
    router.begin(second);
    router.write(enc("next\n"));
    expect(first.complete).toBe(true);
    expect(first.text()).toBe("during\ntrailing\n");
    expect(second.text()).toBe("next\n");
    expect(stray).toEqual([]);
  });

  it("closes a call's log once the trail is over when no other call comes", async () => {
    const stray: string[] = [];
    const router = createCallLogRouter((c) => stray.push(new TextDecoder().decode(c)));
    const log = createLogBuffer(1024);
    router.begin(log);
    router.end();
    await Bun.sleep(CALL_LOG_TRAIL_MS + 20);
    expect(log.complete).toBe(true);
    router.write(enc("too late\n"));
    expect(log.text()).toBe("");
    expect(stray).toEqual(["too late\n"]);
  });

  it("gives each call its own whole trail, however close together the calls end", async () => {
    const stray: string[] = [];
    const router = createCallLogRouter((c) => stray.push(new TextDecoder().decode(c)));
    const first = createLogBuffer(1024);
    const second = createLogBuffer(1024);
    router.begin(first);
    router.end();
    await Bun.sleep(CALL_LOG_TRAIL_MS / 2);
    router.begin(second);
    router.end();
    // Past the first call's trail, within the second's: its late output is still the second's.
    await Bun.sleep(CALL_LOG_TRAIL_MS / 2 + 10);
    router.write(enc("late\n"));
    expect(second.complete).toBe(false);
    expect(second.text()).toBe("late\n");
    await Bun.sleep(CALL_LOG_TRAIL_MS / 2 + 20);
    expect(second.complete).toBe(true);
    expect(stray).toEqual([]);
  });
});
