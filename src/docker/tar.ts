/**
 * An image's files (a build context, an imported root) as a tar stream (POSIX ustar), written entry
 * by entry so that a 100 MB runtime is never held in memory. Written here, not borrowed from
 * dockerode's packer: that one applies the process umask to every mode, and the image's /tmp must
 * stay 1777 — a tmpfs mounted there copies the mode from the image, and functions run as nobody.
 * @module
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";

const BLOCK = 512;

export type TarEntry =
  | { type: "dir"; path: string; mode: number }
  | { type: "file"; path: string; mode: number; data: Uint8Array | string }
  /** a file on disk, links followed: the archive holds its contents */
  | { type: "file"; path: string; mode: number; source: string };

/** The archive of `entries`, in order, as a stream; rejects (errors the stream) when a path cannot be stored. */
export function tarStream(entries: TarEntry[]): Readable {
  return Readable.from(generate(entries), { objectMode: false });
}

async function* generate(entries: TarEntry[]): AsyncGenerator<Uint8Array> {
  const mtime = Math.floor(Date.now() / 1000);
  for (const entry of entries) {
    if (entry.type === "dir") {
      yield header(entry.path.endsWith("/") ? entry.path : `${entry.path}/`, entry.mode, 0, "5", mtime);
      continue;
    }
    if ("source" in entry) {
      const size = (await stat(entry.source)).size;
      yield header(entry.path, entry.mode, size, "0", mtime);
      let written = 0;
      for await (const chunk of createReadStream(entry.source)) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (written !== size) throw new Error(`${entry.source} changed while it was archived`);
      yield padding(size);
    } else {
      const data = typeof entry.data === "string" ? new TextEncoder().encode(entry.data) : entry.data;
      yield header(entry.path, entry.mode, data.length, "0", mtime);
      yield data;
      yield padding(data.length);
    }
  }
  // The end of an archive: two empty blocks.
  yield new Uint8Array(BLOCK * 2);
}

/** A ustar header block. Paths over 100 bytes are split into prefix and name at a slash. */
export function header(path: string, mode: number, size: number, type: "0" | "5", mtime: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const [prefix, name] = splitPath(path);
  put(block, 0, 100, name);
  put(block, 100, 8, octal(mode & 0o7777, 7));
  put(block, 108, 8, octal(0, 7));
  put(block, 116, 8, octal(0, 7));
  put(block, 124, 12, octal(size, 11));
  put(block, 136, 12, octal(mtime, 11));
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  put(block, 156, 1, type);
  put(block, 257, 6, "ustar");
  put(block, 263, 2, "00");
  put(block, 265, 32, "root");
  put(block, 297, 32, "root");
  put(block, 345, 155, prefix);
  const sum = block.reduce((a, b) => a + b, 0);
  put(block, 148, 8, `${octal(sum, 6)}\0 `);
  return block;
}

function splitPath(path: string): [prefix: string, name: string] {
  const bytes = new TextEncoder().encode(path).length;
  if (bytes <= 100) return ["", path];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (new TextEncoder().encode(prefix).length <= 155 && new TextEncoder().encode(name).length <= 100 && name !== "") return [prefix, name];
  }
  throw new Error(`${path}: too long for a tar header (ustar takes 255 bytes, split at a slash)`);
}

function octal(value: number, digits: number): string {
  const text = value.toString(8);
  if (text.length > digits) throw new Error(`${value} does not fit a tar header field`);
  return text.padStart(digits, "0");
}

function put(block: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  block.set(bytes.subarray(0, length), offset);
}

function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}
