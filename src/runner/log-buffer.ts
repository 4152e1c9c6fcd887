/**
 * A call's log: the function's stderr, kept up to a byte cap (config.callLogMax) so a chatty function
 * cannot grow hotfn's memory or the calls table. The first bytes are kept; what is dropped is counted.
 * @module
 */
import type { LogSink } from "./types.ts";

export interface LogBuffer extends LogSink {
  /** The kept log as text (UTF-8, invalid sequences replaced), with a note when bytes were dropped. */
  text(): string;
  /** Bytes written past the cap and dropped. */
  readonly dropped: number;
  /** True once closed: nothing more will be written, text() is final. */
  readonly complete: boolean;
}

export function createLogBuffer(maxBytes: number): LogBuffer {
  return new CappedLog(maxBytes);
}

/** A class, not a closure: one is made per call, and its methods are shared rather than made each time. */
class CappedLog implements LogBuffer {
  private readonly chunks: Uint8Array[] = [];
  private kept = 0;
  private droppedBytes = 0;
  private closed = false;

  constructor(private readonly maxBytes: number) {}

  write(chunk: Uint8Array): void {
    const room = this.maxBytes - this.kept;
    if (room <= 0) {
      this.droppedBytes += chunk.length;
      return;
    }
    // Copy: the writer may reuse its buffer after write returns.
    const part = chunk.length <= room ? chunk.slice() : chunk.slice(0, room);
    this.chunks.push(part);
    this.kept += part.length;
    this.droppedBytes += chunk.length - part.length;
  }

  text(): string {
    const { kept, droppedBytes: dropped } = this;
    if (kept === 0 && dropped === 0) return ""; // most calls log nothing: no decoder for them
    const all = new Uint8Array(kept);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    // stream: true leaves a multi-byte character cut by the cap out instead of emitting U+FFFD.
    const body = new TextDecoder().decode(all, { stream: dropped > 0 });
    return dropped > 0 ? `${body}\n[hotfn: ${dropped} more bytes of log dropped]\n` : body;
  }

  get dropped(): number {
    return this.droppedBytes;
  }

  close(): void {
    this.closed = true;
  }

  get complete(): boolean {
    return this.closed;
  }
}
