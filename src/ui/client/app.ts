/**
 * The dashboard in the browser: the token field, the apps beside every page, and the views by the
 * URL's hash (#/ the functions at work, #/new a new route, #/apps/{app} an app, #/apps/{app}/routes/…
 * a route). Moving between views never reloads the page; each view's live updates stop when it is left.
 * @module
 */
import { type ApiError, api, type App, token, whenUnauthorized } from "./api.ts";
import { appView } from "./app-view.ts";
import { byId, fill, h, message } from "./dom.ts";
import { Scope } from "./live.ts";
import { overview } from "./overview.ts";
import { routeForm } from "./route-form.ts";
import { routeView } from "./route-view.ts";

const view = byId("view");
const banner = byId("banner");
const appList = byId<HTMLUListElement>("app-list");
const moreApps = byId<HTMLButtonElement>("more-apps");
let scope = new Scope();
let appsCursor: string | undefined;

function showBanner(text: string | undefined): void {
  banner.textContent = text ?? "";
  banner.hidden = text === undefined;
}

whenUnauthorized((err: ApiError) => {
  showBanner(token.get() === "" ? "This hotfn asks for its API token: enter it above." : `The API refused this token (${err.message}): enter the right one above.`);
  byId("token").focus();
});

function showWho(): void {
  byId("whoami").textContent = token.get() === "" ? "no token in use" : "token in use (this tab only)";
  byId("forget").hidden = token.get() === "";
}

byId<HTMLFormElement>("login").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = byId<HTMLInputElement>("token");
  token.set(input.value.trim());
  input.value = "";
  showWho();
  showBanner(undefined);
  void loadApps(true);
  route();
});
byId("forget").addEventListener("click", () => {
  token.set("");
  showWho();
  void loadApps(true);
  route();
});

async function loadApps(fresh: boolean): Promise<void> {
  if (fresh) appsCursor = undefined;
  try {
    const q = `per_page=100${appsCursor ? `&cursor=${encodeURIComponent(appsCursor)}` : ""}`;
    const { apps, next_cursor } = await api<{ apps: App[]; next_cursor?: string }>(`/v1/apps?${q}`);
    const items = apps.map((a) => h("li", { "data-app": a.name }, h("a", { href: `#/apps/${a.name}` }, a.name)));
    if (fresh) fill(appList, items);
    else appList.append(...items);
    if (fresh && apps.length === 0) fill(appList, h("li", { class: "muted" }, "none yet"));
    appsCursor = next_cursor;
    moreApps.hidden = next_cursor === undefined;
    markCurrentApp();
  } catch (err) {
    if ((err as ApiError).status !== 401) fill(appList, h("li", { class: "error" }, message(err)));
  }
}
moreApps.addEventListener("click", () => void loadApps(false));

function markCurrentApp(): void {
  const current = /^#\/apps\/([^/]+)/.exec(location.hash)?.[1];
  for (const li of appList.querySelectorAll("li")) li.classList.toggle("current", li.dataset.app === current);
}

/** Shows the view the hash names, ending the previous view's live updates. */
function route(): void {
  scope.close();
  scope = new Scope();
  const mine = scope;
  markCurrentApp();
  const hash = location.hash.replace(/^#/, "") || "/";
  const fail = (err: unknown) => {
    if (!mine.isClosed) fill(view, h("p", { class: "error", role: "alert" }, message(err)), h("p", null, h("a", { href: "#/" }, "Back to the functions at work")));
  };
  const routeMatch = /^\/apps\/([^/]+)\/routes(\/.+)$/.exec(hash);
  const appMatch = /^\/apps\/([^/]+)$/.exec(hash);
  if (hash === "/new" || hash.startsWith("/new?")) {
    const app = new URLSearchParams(hash.split("?")[1] ?? "").get("app") ?? "";
    fill(
      view,
      h("h2", null, "New route"),
      h("p", { class: "muted" }, "The app is created too when it is new. The image must be on the Docker engine hotfn uses."),
      routeForm({
        app,
        saved: (r) => {
          void loadApps(true);
          location.hash = `#/apps/${r.app_name}/routes${r.path}`;
        },
      }),
    );
  } else if (routeMatch) {
    routeView(view, mine, decodeURIComponent(routeMatch[1]!), routeMatch[2]!, route).catch(fail);
  } else if (appMatch) {
    appView(view, mine, decodeURIComponent(appMatch[1]!)).catch(fail);
  } else {
    overview(view, mine);
  }
}

window.addEventListener("hashchange", () => {
  route();
  void loadApps(true);
});
showWho();
void loadApps(true);
route();
