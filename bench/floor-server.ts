/**
 * The smallest servers bench/floor measures hotfn against, run as their own process like hotfn:
 *   bun bench/floor-server.ts self             answers every request 200 with an empty body
 *   bun bench/floor-server.ts proxy SOCKET     passes every request to the http-stream function
 *                                              listening on SOCKET (POST /call), as hotfn does
 * Prints `listening PORT` once it serves.
 */
const [mode, socket] = process.argv.slice(2);
if (mode !== "self" && !(mode === "proxy" && socket)) {
  console.error("usage: bun bench/floor-server.ts self | proxy SOCKET");
  process.exit(2);
}

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    if (mode === "self") return new Response(null);
    const body = await req.arrayBuffer();
    const answer = await fetch("http://localhost/call", { method: "POST", body, headers: { "Content-Type": "application/octet-stream" }, unix: socket });
    return new Response(await answer.arrayBuffer(), { status: answer.status });
  },
});
console.log(`listening ${server.port}`);
