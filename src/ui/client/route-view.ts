/**
 * A route's page: what it runs, its live chart, its recent calls (each with its status, run time and
 * log), and its settings (edit, delete). Everything through the API; the chart and the calls poll.
 * @module
 */
import { api, type Call, type Route, type RouteTimeline, routeUrl } from "./api.ts";
import { liveChart, loadChartLibrary } from "./chart.ts";
import { callDuration, clock, fill, h, message } from "./dom.ts";
import type { Scope } from "./live.ts";
import { routeForm } from "./route-form.ts";

const CALLS_SHOWN = 25;

/** Renders the route's page into `view`; its pollers live in `scope`. `refresh` shows the page anew (after an edit). */
export async function routeView(view: HTMLElement, scope: Scope, app: string, path: string, refresh: () => void): Promise<void> {
  const [{ route }] = await Promise.all([api<{ route: Route }>(routeUrl(app, path)), loadChartLibrary()]);
  if (scope.isClosed) return;

  const chart = liveChart();
  scope.onClose(() => chart.destroy());
  const calls = h("tbody");
  const log = h("section", { class: "log", hidden: true, "aria-label": "call log" });
  const callsError = h("p", { class: "error", role: "alert", hidden: true });
  const url = `${location.origin}/r/${app}${path}`;
  let selected: string | undefined;

  fill(
    view,
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "at work"), " / ", h("a", { href: `#/apps/${app}` }, app), " / ", path),
    h("h2", { class: "route-title" }, h("span", { class: "muted" }, `${app} `), path),
    h(
      "p",
      { class: "facts" },
      h("code", null, route.image),
      ` · ${route.format} · ${route.type} · ${route.memory} MiB · timeout ${route.timeout} s · idle ${route.idle_timeout} s · `,
      h("code", { class: "url" }, url),
    ),
    chart.el,
    h(
      "section",
      { class: "calls" },
      h("h3", null, "Recent calls"),
      callsError,
      h("table", null, h("thead", null, h("tr", null, h("th", null, "created"), h("th", null, "status"), h("th", null, "run time"), h("th", null, "call id"))), calls),
      log,
    ),
    h("details", { class: "settings" }, h("summary", null, "Settings"), routeForm({ route, saved: refresh }), deleteButton(app, path)),
  );

  const showLog = async (call: Call) => {
    selected = call.id;
    for (const tr of calls.querySelectorAll("tr")) tr.classList.toggle("selected", tr.dataset.id === call.id);
    log.hidden = false;
    fill(log, h("h4", null, `Log of ${call.id}`), h("p", { class: "muted" }, "loading…"));
    try {
      const res = await api<{ log: { log: string } }>(`/v1/calls/${encodeURIComponent(call.id)}/log`);
      fill(log, h("h4", null, `Log of ${call.id}`, call.error ? ` — ${call.error}` : ""), h("pre", null, res.log.log === "" ? "(nothing on stderr)" : res.log.log));
    } catch (err) {
      fill(log, h("h4", null, `Log of ${call.id}`), h("p", { class: "error" }, message(err)));
    }
  };

  const pollCalls = async () => {
    const res = await api<{ calls: Call[] }>(`/v1/apps/${encodeURIComponent(app)}/calls${path}?per_page=${CALLS_SHOWN}`);
    callsError.hidden = true;
    if (res.calls.length === 0) return fill(calls, h("tr", null, h("td", { colspan: 4, class: "muted" }, `No call yet. Call it: curl -X POST ${url} -d 'hello'`)));
    fill(
      calls,
      res.calls.map((c) =>
        h(
          "tr",
          { "data-id": c.id, class: c.id === selected ? "selected" : null, tabindex: 0, onclick: () => void showLog(c), onkeydown: (e) => (e as KeyboardEvent).key === "Enter" && void showLog(c) },
          h("td", null, c.created_at ? clock(c.created_at) : ""),
          h("td", null, h("span", { class: `status ${c.status}` }, c.status)),
          h("td", null, callDuration(c.started_at, c.completed_at)),
          h("td", null, h("code", null, c.id)),
        ),
      ),
    );
  };

  const pollTimeline = async () => {
    const since = chart.since === undefined ? "" : `?since=${chart.since}`;
    const res = await api<{ timeline: RouteTimeline }>(`${routeUrl(app, path)}/timeline${since}`);
    if (!scope.isClosed) chart.add(res.timeline);
  };

  const chartError = h("p", { class: "error", role: "alert", hidden: true });
  chart.el.prepend(chartError);
  scope.every(
    1000,
    async () => {
      await pollTimeline();
      chartError.hidden = true;
    },
    (err) => {
      chartError.textContent = `The chart is not updating: ${message(err)}`;
      chartError.hidden = false;
    },
  );
  scope.every(2000, pollCalls, (err) => {
    callsError.textContent = message(err);
    callsError.hidden = false;
  });
}

/** Delete asks twice: the first click arms it, the second deletes. */
function deleteButton(app: string, path: string): HTMLElement {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const button = h("button", { type: "button", class: "danger" }, "Delete route");
  let armed = false;
  button.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      button.textContent = `Really delete ${path}?`;
      return;
    }
    try {
      await api(routeUrl(app, path), { method: "DELETE" });
      location.hash = `#/apps/${app}`;
    } catch (err) {
      error.textContent = message(err);
      error.hidden = false;
    }
  });
  return h("div", { class: "actions" }, button, error);
}
