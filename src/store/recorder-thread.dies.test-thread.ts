/**
 * A stand-in for recorder-thread.ts that opens like it and then dies on its first write, as a thread
 * that crashed would (for recorder-writer.test.ts).
 */
const port = globalThis as unknown as { onmessage: ((e: MessageEvent<{ kind: string }>) => void) | null; postMessage(m: unknown): void };
port.onmessage = ({ data }) => {
  if (data.kind === "open") port.postMessage({ kind: "ready" });
  else if (data.kind === "write") process.exit(1);
};
