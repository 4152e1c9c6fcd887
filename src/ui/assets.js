// The dashboard's files, embedded in the executable: its browser modules as JavaScript generated from
// src/ui/client (client.gen.ts), the styles and uPlot as text (a text import, which Bun and Deno both
// read). Typed by assets.d.ts, so the server's type check never reads the browser code.
import style from "./client/style.css" with { type: "text" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };

export { CLIENT_MODULES } from "./client.gen.ts";
export const STYLES = { "uPlot.min.css": uplotCss, "style.css": style };
export const SCRIPTS = { "uPlot.iife.min.js": uplotJs };
