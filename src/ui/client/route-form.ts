/**
 * The route form, for a new route (POST) and for an existing one (PATCH of what changed). It checks
 * nothing the API checks: what the API refuses is shown with the API's own message.
 * @module
 */
import { api, type Route, routeUrl } from "./api.ts";
import { h, message } from "./dom.ts";

const FORMATS = ["default", "http", "json", "http-stream"];
const TYPES = ["sync", "async"];

export interface RouteFormOptions {
  /** the route to edit; absent for a new one */
  route?: Route;
  /** the app a new route goes into, prefilled */
  app?: string;
  /** after the API accepted it */
  saved(route: Route): void;
}

/** A number when the field holds one, its text otherwise (for the API to name), undefined when empty. */
function numberOrText(v: string): number | string | undefined {
  const t = v.trim();
  if (t === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** `KEY=VALUE` lines → a map; lines without `=` are kept as keys with an empty value, for the API to judge. */
function parseConfig(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const at = line.indexOf("=");
    out[(at < 0 ? line : line.slice(0, at)).trim()] = at < 0 ? "" : line.slice(at + 1);
  }
  return out;
}

/** `Name: value` lines → a header map (a name given twice gets both values). */
function parseHeaders(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const at = line.indexOf(":");
    const name = (at < 0 ? line : line.slice(0, at)).trim();
    (out[name] ??= []).push(at < 0 ? "" : line.slice(at + 1).trim());
  }
  return out;
}

const configText = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join("\n");
const headersText = (m: Record<string, string[]>) => Object.entries(m).flatMap(([k, vs]) => vs.map((v) => `${k}: ${v}`)).join("\n");

/** PATCH merges maps: what the form no longer has must be sent as empty to be removed. */
function mapPatch<T>(before: Record<string, T>, after: Record<string, T>, empty: T): Record<string, T> | undefined {
  const patch: Record<string, T> = {};
  for (const [k, v] of Object.entries(after)) if (JSON.stringify(before[k]) !== JSON.stringify(v)) patch[k] = v;
  for (const k of Object.keys(before)) if (!(k in after)) patch[k] = empty;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

export function routeForm(opts: RouteFormOptions): HTMLFormElement {
  const r = opts.route;
  const field = (name: string, label: string, input: HTMLElement, hint?: string) =>
    h("label", { class: "field" }, h("span", null, label), input, hint ? h("small", { class: "muted" }, hint) : null);
  const text = (name: string, value: string | number | undefined, attrs: Record<string, string | boolean> = {}) =>
    h("input", { name, value: value === undefined ? "" : String(value), autocomplete: "off", spellcheck: false, ...attrs });
  const select = (name: string, values: string[], current: string | undefined) =>
    h("select", { name }, current === undefined ? h("option", { value: "" }, "(default)") : null, values.map((v) => h("option", { value: v, selected: v === current }, v)));
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit" }, r ? "Save" : "Create route");

  const form = h(
    "form",
    { class: "route-form", "aria-label": r ? "edit route" : "new route" },
    r ? null : field("app", "app", text("app", opts.app, { required: true, placeholder: "myapp" })),
    r ? null : field("path", "path", text("path", undefined, { required: true, placeholder: "/hello" })),
    field("image", "image", text("image", r?.image, { placeholder: "hello:0.0.1" })),
    h("div", { class: "row" }, field("format", "format", select("format", FORMATS, r?.format)), field("type", "type", select("type", TYPES, r?.type))),
    h(
      "div",
      { class: "row" },
      field("memory", "memory MiB", text("memory", r?.memory, { inputmode: "numeric", placeholder: "128" })),
      field("timeout", "timeout s", text("timeout", r?.timeout, { inputmode: "numeric", placeholder: "30" })),
      field("idle_timeout", "idle timeout s", text("idle_timeout", r?.idle_timeout, { inputmode: "numeric", placeholder: "30" })),
    ),
    field("config", "config", h("textarea", { name: "config", rows: 3, spellcheck: false, placeholder: "KEY=value, one a line" }, r ? configText(r.config) : ""), "the function's environment"),
    field("headers", "response headers", h("textarea", { name: "headers", rows: 2, spellcheck: false, placeholder: "Name: value, one a line" }, r ? headersText(r.headers) : "")),
    error,
    h("div", { class: "actions" }, submit),
  );

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const values = new FormData(form);
    const get = (k: string) => String(values.get(k) ?? "");
    const body: Record<string, unknown> = {};
    const put = (k: string, v: unknown, before?: unknown) => {
      if (v !== undefined && v !== "" && v !== before) body[k] = v;
    };
    put("image", get("image").trim(), r?.image);
    put("format", get("format"), r?.format);
    put("type", get("type"), r?.type);
    put("memory", numberOrText(get("memory")), r?.memory);
    put("timeout", numberOrText(get("timeout")), r?.timeout);
    put("idle_timeout", numberOrText(get("idle_timeout")), r?.idle_timeout);
    const config = parseConfig(get("config"));
    const headers = parseHeaders(get("headers"));
    if (r) {
      put("config", mapPatch(r.config, config, ""));
      put("headers", mapPatch(r.headers, headers, []));
    } else {
      body.path = get("path").trim();
      if (Object.keys(config).length > 0) body.config = config;
      if (Object.keys(headers).length > 0) body.headers = headers;
    }
    error.hidden = true;
    submit.disabled = true;
    try {
      const app = r ? r.app_name : get("app").trim();
      const res = r
        ? await api<{ route: Route }>(routeUrl(app, r.path), { method: "PATCH", body: { route: body } })
        : await api<{ route: Route }>(`/v1/apps/${encodeURIComponent(app)}/routes`, { method: "POST", body: { route: body } });
      opts.saved(res.route);
    } catch (err) {
      error.textContent = message(err);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
