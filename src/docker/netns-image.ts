/**
 * The image network-namespace holders run: one 129-byte static x86-64 program that waits forever
 * (pause(2) in a loop), built here from its bytes and imported into the engine, so it needs no
 * registry and no toolchain. Holders are an x86-64 optimisation; elsewhere none is made.
 * @module
 */
import { tarStream } from "./tar.ts";

/** What an engine needs to make the image present. */
export interface ImageImport {
  /** Resolves when `image` exists locally; rejects otherwise. */
  inspect(image: string): Promise<unknown>;
  /** Imports a root filesystem tar as `repo:tag`; resolves once the engine has it. */
  importTar(tar: NodeJS.ReadableStream, repo: string, tag: string): Promise<void>;
}

export const HOLDER_REPO = "hotfn/netns-holder";
/** Bumped when the program changes, so an engine holding an older one gets the new one. */
export const HOLDER_TAG = "1";
export const HOLDER_IMAGE = `${HOLDER_REPO}:${HOLDER_TAG}`;
/** The program's path in the image. */
export const HOLDER_CMD = ["/pause"];

/**
 * An ELF64 executable: the header (64 bytes), one loadable segment (56 bytes), then the code at
 * 0x400078: `mov eax, 34 (pause); syscall; jmp back` (9 bytes). It holds no memory worth counting.
 */
const PAUSE_X64 = Uint8Array.from(
  Buffer.from(
    "7f454c4602010100000000000000000002003e00010000007800400000000000" +
      "4000000000000000000000000000000000000000400038000100000000000000" +
      "0100000005000000000000000000000000004000000000000000400000000000" +
      "810000000000000081000000000000000010000000000000b8220000000f05eb" +
      "f7",
    "hex",
  ),
);

/** True where hotfn can make holders (the program above is x86-64). */
export function holdersSupported(arch: string = process.arch): boolean {
  return arch === "x64";
}

/** Makes the holder image present (imports it when missing). Rejects when the engine refuses. */
export async function ensureHolderImage(engine: ImageImport): Promise<void> {
  try {
    await engine.inspect(HOLDER_IMAGE);
    return;
  } catch {
    // missing: import it below
  }
  const tar = tarStream([{ type: "file", path: "pause", mode: 0o555, data: PAUSE_X64 }]);
  await engine.importTar(tar, HOLDER_REPO, HOLDER_TAG);
}
