/**
 * An app's page: its routes (a page of 100 at a time, more on demand, so a thousand routes stay
 * quick), a way to add one, and deleting the app once it has no routes.
 * @module
 */
import { api, type App, type Route } from "./api.ts";
import { fill, h, message } from "./dom.ts";
import type { Scope } from "./live.ts";

const PER_PAGE = 100;

export async function appView(view: HTMLElement, scope: Scope, name: string): Promise<void> {
  const { app } = await api<{ app: App }>(`/v1/apps/${encodeURIComponent(name)}`);
  if (scope.isClosed) return;
  const rows = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "More routes");
  const count = h("span", { class: "muted" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  let cursor: string | undefined;
  let shown = 0;

  const load = async () => {
    more.disabled = true;
    try {
      const q = `per_page=${PER_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await api<{ routes: Route[]; next_cursor?: string }>(`/v1/apps/${encodeURIComponent(name)}/routes?${q}`);
      cursor = res.next_cursor;
      shown += res.routes.length;
      const fragment = document.createDocumentFragment();
      for (const r of res.routes) {
        fragment.append(
          h(
            "tr",
            null,
            h("td", null, h("a", { href: `#/apps/${name}/routes${r.path}` }, r.path)),
            h("td", null, h("code", null, r.image)),
            h("td", null, r.format),
            h("td", null, r.type),
            h("td", null, `${r.memory} MiB`),
          ),
        );
      }
      rows.append(fragment);
      if (shown === 0) fill(rows, h("tr", null, h("td", { colspan: 5, class: "muted" }, "No routes yet.")));
      count.textContent = `${shown}${cursor ? "+" : ""} routes`;
      more.hidden = cursor === undefined;
    } catch (err) {
      error.textContent = message(err);
      error.hidden = false;
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", () => void load());

  const config = Object.entries(app.config);
  fill(
    view,
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "at work"), " / ", name),
    h("h2", null, name, " ", count),
    config.length > 0 ? h("p", { class: "facts" }, "config: ", config.map(([k, v]) => h("code", null, `${k}=${v} `))) : null,
    h("p", null, h("a", { class: "button", href: `#/new?app=${encodeURIComponent(name)}` }, "New route")),
    error,
    h("table", { class: "routes" }, h("thead", null, h("tr", null, h("th", null, "path"), h("th", null, "image"), h("th", null, "format"), h("th", null, "type"), h("th", null, "memory"))), rows),
    more,
    deleteApp(name),
  );
  await load();
}

function deleteApp(name: string): HTMLElement {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const button = h("button", { type: "button", class: "danger" }, "Delete app");
  let armed = false;
  button.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      button.textContent = `Really delete ${name}?`;
      return;
    }
    try {
      await api(`/v1/apps/${encodeURIComponent(name)}`, { method: "DELETE" });
      location.hash = "#/";
    } catch (err) {
      error.textContent = message(err);
      error.hidden = false;
    }
  });
  return h("div", { class: "actions" }, button, error);
}
