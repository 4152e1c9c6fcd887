/** stdin as chunks and an awaited stdout write, shared by the hot formats. */

export async function* readStdin(): AsyncGenerator<Buffer> {
  for await (const chunk of process.stdin) yield chunk as Buffer;
}

export function writeOut(data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(data, (err) => (err ? reject(err) : resolve())));
}
