/**
 * Splits Docker's multiplexed attach stream (no TTY) into stdout and stderr. Each frame is an 8-byte
 * header — stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes, a big-endian uint32 length —
 * then that many bytes. Pure: bytes in, callbacks out; frames may be split anywhere across chunks.
 * @module
 */

export interface DemuxSinks {
  stdout(chunk: Uint8Array): void;
  stderr(chunk: Uint8Array): void;
}

const HEADER = 8;

/** Returns a function to feed raw attach bytes into; it calls `sinks` with each frame's payload. */
export function createDemuxer(sinks: DemuxSinks): (chunk: Uint8Array) => void {
  const header = new Uint8Array(HEADER);
  let headerFill = 0;
  let stream = 0;
  let remaining = 0;

  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (remaining === 0) {
        const take = Math.min(HEADER - headerFill, chunk.length - at);
        header.set(chunk.subarray(at, at + take), headerFill);
        headerFill += take;
        at += take;
        if (headerFill < HEADER) return;
        headerFill = 0;
        stream = header[0]!;
        remaining = new DataView(header.buffer).getUint32(4);
        continue;
      }
      const take = Math.min(remaining, chunk.length - at);
      // slice, not subarray: the caller may keep the chunk after this returns.
      const payload = chunk.slice(at, at + take);
      at += take;
      remaining -= take;
      if (stream === 2) sinks.stderr(payload);
      else if (stream === 1) sinks.stdout(payload);
    }
  };
}
