/** `default` format: the whole stdin is the body; stdout is the answer; the exit code says how it went. */
import { handle, mode } from "./modes.ts";

export async function runDefault(): Promise<void> {
  const body = new Uint8Array(await Bun.stdin.arrayBuffer());
  const env = process.env;
  const reply = await handle({
    method: env.FN_METHOD ?? "",
    url: env.FN_REQUEST_URL ?? "",
    callId: env.FN_CALL_ID ?? "",
    headers: Object.fromEntries(
      Object.entries(env)
        .filter(([k]) => k.startsWith("FN_HEADER_"))
        .map(([k, v]) => [k.slice("FN_HEADER_".length).toLowerCase().replaceAll("_", "-"), v ?? ""]),
    ),
    body,
  });
  if (mode === "garbage") process.exit(0);
  await Bun.write(Bun.stdout, reply.body);
  process.exit(0);
}
