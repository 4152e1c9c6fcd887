// The dashboard's browser files, embedded as text in the executable (Bun's text loader); typed by
// assets.d.ts, so the server's type check never reads the browser code (it has its own tsconfig).
import api from "./client/api.ts" with { type: "text" };
import app from "./client/app.ts" with { type: "text" };
import appView from "./client/app-view.ts" with { type: "text" };
import chart from "./client/chart.ts" with { type: "text" };
import chartMarks from "./client/chart-marks.ts" with { type: "text" };
import dom from "./client/dom.ts" with { type: "text" };
import live from "./client/live.ts" with { type: "text" };
import overview from "./client/overview.ts" with { type: "text" };
import routeForm from "./client/route-form.ts" with { type: "text" };
import routeView from "./client/route-view.ts" with { type: "text" };
import style from "./client/style.css" with { type: "text" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };

export const CLIENT_MODULES = {
  "api.ts": api,
  "app.ts": app,
  "app-view.ts": appView,
  "chart.ts": chart,
  "chart-marks.ts": chartMarks,
  "dom.ts": dom,
  "live.ts": live,
  "overview.ts": overview,
  "route-form.ts": routeForm,
  "route-view.ts": routeView,
};
export const STYLES = { "uPlot.min.css": uplotCss, "style.css": style };
export const SCRIPTS = { "uPlot.iife.min.js": uplotJs };
