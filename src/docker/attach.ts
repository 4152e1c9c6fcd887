/**
 * A container's attached stdio as hotfn uses it: stdin to write the call, stdout and stderr split
 * out of Docker's multiplexed stream (demux.ts), and an `ended` that settles once every output byte
 * was delivered. The stream is dockerode's; nothing outside docker/ sees it.
 * @module
 */
import { createDemuxer, type DemuxSinks } from "./demux.ts";

/** The attached stdio of a container, created before it starts so no output is missed. */
export interface ContainerIO {
  /** Writes to the container's stdin. Never throws; a broken stream shows up as `ended`. */
  write(chunk: Uint8Array): void;
  /** Closes stdin: the function reads EOF. Output keeps flowing until `ended`. */
  endStdin(): void;
  /** Settles (never rejects) when the output stream has ended: every stdout/stderr byte was delivered. */
  readonly ended: Promise<void>;
  /** Tears the stream down without waiting for the container. Idempotent. */
  close(): void;
}

/** Wraps the hijacked attach stream of one container. */
export function wrapAttachStream(stream: NodeJS.ReadWriteStream & { destroy?(): void }, sinks: DemuxSinks): ContainerIO {
  const feed = createDemuxer(sinks);
  let closed = false;
  const ended = new Promise<void>((resolve) => {
    stream.on("data", (chunk: Uint8Array) => feed(chunk));
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", () => resolve());
  });
  return {
    write(chunk) {
      if (closed) return;
      try {
        stream.write(chunk);
      } catch {
        // a broken pipe ends the stream; the reader sees `ended`
      }
    },
    endStdin() {
      if (closed) return;
      try {
        stream.end();
      } catch {
        // already ended
      }
    },
    ended,
    close() {
      if (closed) return;
      closed = true;
      stream.destroy?.();
    },
  };
}

