/**
 * Building the page from data: elements with text content only (never HTML from data), and the few
 * formats the views share.
 * @module
 */

export type Child = Node | string | number | null | undefined | false | Child[];
type Attr = string | number | boolean | null | undefined | ((e: Event) => void);

/** An element with `attrs` (`on…` are listeners, `false`/null/undefined are left out) and children as text or nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, Attr> | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/** Replaces what `el` holds. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** 3 ms, 1.2 s, 2 min */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** The local time of day, to the second. */
export function clock(t: number | string): string {
  return new Date(t).toLocaleTimeString(undefined, { hour12: false });
}

/** A call's run time, from its record's times. */
export function callDuration(started?: string, completed?: string): string {
  if (!started || !completed) return "";
  return duration(Date.parse(completed) - Date.parse(started));
}

/** A short line for a failed request. */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
