/**
 * GET /ui: the dashboard, from the executable itself: the page and its assets (the browser modules,
 * transpiled when hotfn is built (scripts/embed-client.ts); the styles; uPlot, which the chart module
 * loads when a chart is first shown).
 * Assets live under a path named by a hash of their content, so a browser may keep them for good.
 * Nothing here holds or shows data, so no token is asked; the page asks /v1 with the user's.
 * @module
 */
import { Hono } from "hono";
import { CLIENT_MODULES, SCRIPTS, STYLES } from "./assets.js";
import { renderPage } from "./page.tsx";
import { runtime } from "../runtime/index.ts";

export interface DashboardOptions {
  version: string;
}

interface Asset {
  type: string;
  body: Uint8Array;
  gzip: Uint8Array;
}

const ENTRY = "app.ts";

/**
 * No script or style but the dashboard's own files, and requests only to this server. The token
 * sits in sessionStorage, where an injected script could read it: nothing injected may run.
 */
const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

export function dashboard(opts: DashboardOptions) {
  let built: Promise<{ page: Asset; assets: Map<string, Asset>; hash: string }> | undefined;
  // Built on first use: a hotfn whose dashboard nobody opens never spends the few ms.
  const build = () => (built ??= buildAssets(opts.version));

  const send = (c: { req: { header(name: string): string | undefined } }, asset: Asset, cache: string) => {
    const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    const headers: Record<string, string> = { "Content-Type": asset.type, "Cache-Control": cache, Vary: "Accept-Encoding", ...SECURITY_HEADERS };
    if (gzip) headers["Content-Encoding"] = "gzip";
    return new Response(gzip ? asset.gzip : asset.body, { headers });
  };

  return new Hono()
    .get("/", async (c) => send(c, (await build()).page, "no-cache"))
    .get("/assets/:hash/:name", async (c) => {
      const { assets, hash } = await build();
      const asset = assets.get(c.req.param("name"));
      if (!asset || c.req.param("hash") !== hash) return c.text("no such asset", 404);
      return send(c, asset, "public, max-age=31536000, immutable");
    });
}

async function buildAssets(version: string) {
  const texts = new Map<string, { type: string; text: string }>();
  for (const [name, text] of Object.entries(CLIENT_MODULES)) texts.set(name, { type: "text/javascript; charset=utf-8", text });
  for (const [name, text] of Object.entries(SCRIPTS)) texts.set(name, { type: "text/javascript; charset=utf-8", text });
  for (const [name, text] of Object.entries(STYLES)) texts.set(name, { type: "text/css; charset=utf-8", text });

  const hash = runtime.sha256Hex([...texts].map(([name, { text }]) => `${name}\0${text}\0`).join("")).slice(0, 12);
  const asset = (type: string, text: string): Asset => {
    const body = new TextEncoder().encode(text);
    return { type, body, gzip: runtime.gzip(body) };
  };
  const assets = new Map([...texts].map(([name, { type, text }]) => [name, asset(type, text)]));
  const html = await renderPage({
    version,
    base: `/ui/assets/${hash}`,
    styles: Object.keys(STYLES),
    modules: Object.keys(CLIENT_MODULES).filter((m) => m !== ENTRY),
    entry: ENTRY,
  });
  return { page: asset("text/html; charset=utf-8", html), assets, hash };
}
