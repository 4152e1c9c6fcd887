/**
 * The first page: the functions at work (containers by state, queue, calls/s, wait p99, the latest
 * launch and why), busiest first, updated every second from /v1/timeline.
 * @module
 */
import { api, type FunctionSummary } from "./api.ts";
import { clock, duration, fill, h, message } from "./dom.ts";
import type { Scope } from "./live.ts";

export function overview(view: HTMLElement, scope: Scope): void {
  const rows = h("tbody");
  fill(
    view,
    h("h2", null, "Functions at work"),
    h("p", { class: "muted" }, "Every function active in the last five minutes, busiest first. Pick one for its live chart, its calls and its logs."),
    h(
      "table",
      { class: "at-work" },
      h(
        "thead",
        null,
        h("tr", null, ["function", "idle", "busy", "starting", "queue", "calls/s", "wait p99", "launches", "last launch"].map((c) => h("th", null, c))),
      ),
      rows,
    ),
  );
  const error = h("p", { class: "error", role: "alert", hidden: true });
  view.append(error);
  const failed = (err: unknown) => {
    error.textContent = `Not updating: ${message(err)}`;
    error.hidden = false;
  };
  scope.every(1000, async () => {
    const { functions } = await api<{ functions: FunctionSummary[] }>("/v1/timeline?limit=30");
    error.hidden = true;
    if (functions.length === 0) return fill(rows, h("tr", null, h("td", { colspan: 9, class: "muted" }, "No function has run in the last five minutes.")));
    fill(
      rows,
      functions.map((f) =>
        h(
          "tr",
          null,
          h("td", null, h("a", { href: `#/apps/${f.app}/routes${f.route}` }, `${f.app} ${f.route}`)),
          h("td", null, f.idle),
          h("td", null, f.busy),
          h("td", null, f.starting),
          h("td", null, f.queue),
          h("td", null, Math.round(f.calls_per_s * 10) / 10),
          h("td", null, f.wait_p99_ms === null ? "–" : duration(f.wait_p99_ms)),
          h("td", null, f.launches),
          h("td", null, f.last_launch ? `${clock(f.last_launch.t)} ${f.last_launch.reason}` : "–"),
        ),
      ),
    );
  }, failed);
}
