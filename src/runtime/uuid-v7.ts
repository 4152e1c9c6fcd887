/**
 * UUIDv7 (RFC 9562 §5.7) for runtimes without one of their own (Deno): 48 bits of Unix milliseconds,
 * then a 12-bit counter in `rand_a` (§6.2, method 1), then 62 random bits. Ids from one generator
 * strictly increase, as Bun's do: hotfn lists calls newest first by id.
 * @module
 */

/** Returns a generator of strictly increasing UUIDv7 strings; `now` is the clock (ms), for tests. */
export function createUuidV7(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let counter = 0;
  const bytes = new Uint8Array(16);
  return () => {
    let ms = now();
    if (ms > lastMs) {
      // A fresh millisecond starts the counter at a random point in its lower half, so it has room to count.
      counter = Math.floor(Math.random() * 0x800);
    } else {
      // Same millisecond, or the clock stepped back: count on from the last id.
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        // 4096 ids in one millisecond: borrow the next one (the clock catches up).
        ms++;
        counter = Math.floor(Math.random() * 0x800);
      }
    }
    lastMs = ms;
    crypto.getRandomValues(bytes);
    // 48-bit big-endian timestamp (ms < 2^48, so the division is exact enough to split it in two).
    const high = Math.floor(ms / 0x1_0000_0000);
    const low = ms >>> 0;
    bytes[0] = (high >>> 8) & 0xff;
    bytes[1] = high & 0xff;
    bytes[2] = (low >>> 24) & 0xff;
    bytes[3] = (low >>> 16) & 0xff;
    bytes[4] = (low >>> 8) & 0xff;
    bytes[5] = low & 0xff;
    bytes[6] = 0x70 | (counter >>> 8); // version 7, counter's high 4 bits
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
    let hex = "";
    for (const b of bytes) hex += b.toString(16).padStart(2, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
