/**
 * A function's live chart: two uPlot charts on one time axis (the cursor moves on both) — containers
 * by state, stacked, with the queue; calls/s, failures/s and wait p99 — with the scaler's decisions
 * drawn on both as marks (a launch: a solid line, its reason written beside it; a failed start: red;
 * a container gone: dashed), a readout of the latest figures and the decisions as a list.
 * Samples are added as they arrive; only the last window (the API's, five minutes) is kept.
 * @module
 */
import type { RouteTimeline, TimelineEvent } from "./api.ts";
import { COLOR, drawMarks, markLook } from "./chart-marks.ts";
import { clock, duration, fill, h } from "./dom.ts";

const DECISIONS_SHOWN = 40;
const MIN_SPAN_S = 60;

interface Samples {
  /** seconds since the epoch (uPlot's time unit) */
  t: number[];
  idle: number[];
  busy: number[];
  starting: number[];
  queue: number[];
  callsPerS: number[];
  errorsPerS: number[];
  wait: (number | null)[];
}

let uplotLoaded: Promise<void> | undefined;

/**
 * Loads uPlot (a classic script beside these modules) the first time a chart is wanted: the pages
 * without a chart never pay for evaluating it, which is most of a first page load's script time.
 */
export function loadChartLibrary(): Promise<void> {
  uplotLoaded ??= new Promise<void>((resolve, reject) => {
    const script = h("script", { src: new URL("./uPlot.iife.min.js", import.meta.url).href });
    script.addEventListener("load", () => resolve());
    script.addEventListener("error", () => {
      uplotLoaded = undefined;
      reject(new Error("the chart library did not load; reload the page to try again"));
    });
    document.head.append(script);
  });
  return uplotLoaded;
}

export interface LiveChart {
  readonly el: HTMLElement;
  /** Adds a timeline the API sent: all it keeps, or what is new since `since`. */
  add(timeline: RouteTimeline): void;
  /** The newest sample's time, ms since the epoch: the next poll's `since`. */
  readonly since: number | undefined;
  destroy(): void;
}

/** A chart to add timelines to; call loadChartLibrary() first. */
export function liveChart(): LiveChart {
  const d: Samples = { t: [], idle: [], busy: [], starting: [], queue: [], callsPerS: [], errorsPerS: [], wait: [] };
  let events: TimelineEvent[] = [];
  let windowS = 300;
  let since: number | undefined;
  let charts: uPlot[] = [];

  const readout = h("dl", { class: "readout", "aria-label": "latest figures" });
  const plots = h("div", { class: "plots" });
  const decisions = h("ol", { class: "decisions", "aria-label": "scaler decisions, newest first" });
  const el = h(
    "section",
    { class: "live", "data-samples": "0" },
    h("h3", null, "Scaling, live"),
    readout,
    plots,
    h("p", { class: "legend-marks muted" }, mark("launch", "launch (its reason beside it)"), mark("start_failed", "start failed"), mark("gone", "container gone or launch withdrawn")),
    h("h3", null, "Scaler decisions"),
    decisions,
  );

  const resize = new ResizeObserver(() => {
    for (const c of charts) c.setSize({ width: plotWidth(), height: c.height });
  });
  resize.observe(plots);
  const plotWidth = () => Math.max(320, plots.clientWidth);

  const xScale: uPlot.Scale = {
    time: true,
    // The last minute at least, the whole window at most: a function just started fills the width.
    range: (_u, _min, max) => {
      const end = d.t.at(-1) ?? (Number.isFinite(max) ? max : Date.now() / 1000);
      const span = Math.min(windowS, Math.max(MIN_SPAN_S, end - (d.t[0] ?? end)));
      return [end - span, end];
    },
  };
  const fromZero = (least: number): uPlot.Scale => ({ range: (_u, _min, max) => [0, Math.max(least, Number.isFinite(max) ? max : 0)] });
  const value = (pick: (i: number) => number | null, unit = "") => (_u: uPlot, _v: number | null, _s: number, i: number | null) => {
    const v = i === null ? null : pick(i);
    return v === null || v === undefined ? "–" : `${Math.round(v * 10) / 10}${unit}`;
  };
  const stepped = uPlot.paths.stepped!({ align: 1 });
  const noPoints = { show: false };

  const create = () => {
    const width = plotWidth();
    const common = { width, cursor: { sync: { key: "hotfn-timeline" } }, legend: { live: true } };
    const containers = new uPlot(
      {
        ...common,
        height: 190,
        scales: { x: xScale, n: fromZero(3), q: fromZero(3) },
        axes: [{}, { scale: "n", label: "containers", size: 44 }, { scale: "q", side: 1, label: "queue", stroke: COLOR.queue, grid: { show: false }, size: 44 }],
        series: [
          { value: (_u, v) => (v === null ? "–" : clock(v * 1000)) },
          { points: noPoints, label: "idle", scale: "n", stroke: COLOR.idle, fill: COLOR.idle, paths: stepped, value: value((i) => d.idle[i] ?? null) },
          { points: noPoints, label: "starting", scale: "n", stroke: COLOR.starting, fill: COLOR.starting, paths: stepped, value: value((i) => d.starting[i] ?? null) },
          { points: noPoints, label: "busy", scale: "n", stroke: COLOR.busy, fill: COLOR.busy, paths: stepped, value: value((i) => d.busy[i] ?? null) },
          { points: noPoints, label: "queue", scale: "q", stroke: COLOR.queue, width: 2, paths: stepped },
        ],
        hooks: { draw: [drawMarks(() => events, true)] },
      },
      containersData(),
      plots,
    );
    const calls = new uPlot(
      {
        ...common,
        height: 150,
        scales: { x: xScale, n: fromZero(1), ms: fromZero(10) },
        axes: [{}, { scale: "n", label: "calls/s", size: 44 }, { scale: "ms", side: 1, label: "wait p99 ms", stroke: COLOR.wait, grid: { show: false }, size: 44 }],
        series: [
          { value: (_u, v) => (v === null ? "–" : clock(v * 1000)) },
          { points: noPoints, label: "calls/s", scale: "n", stroke: COLOR.calls, fill: `${COLOR.calls}33`, paths: stepped },
          { points: noPoints, label: "failed/s", scale: "n", stroke: COLOR.errors, paths: stepped },
          { points: noPoints, label: "wait p99", scale: "ms", stroke: COLOR.wait, width: 2, value: value((i) => d.wait[i] ?? null, " ms") },
        ],
        hooks: { draw: [drawMarks(() => events, false)] },
      },
      callsData(),
      plots,
    );
    charts = [containers, calls];
  };

  // Stacked by drawing the totals first: idle over starting over busy, each filled to zero.
  function containersData(): uPlot.AlignedData {
    const starting = d.busy.map((b, i) => b + d.starting[i]!);
    const total = starting.map((s, i) => s + d.idle[i]!);
    return [d.t, total, starting, d.busy, d.queue];
  }
  function callsData(): uPlot.AlignedData {
    return [d.t, d.callsPerS, d.errorsPerS, d.wait];
  }

  const showReadout = () => {
    const last = d.t.length - 1;
    const at = <T>(xs: T[]) => (last >= 0 ? xs[last] : undefined);
    const wait = at(d.wait);
    const item = (field: string, label: string, text: string) => h("div", null, h("dt", null, label), h("dd", { "data-field": field }, text));
    fill(
      readout,
      item("idle", "idle", String(at(d.idle) ?? 0)),
      item("busy", "busy", String(at(d.busy) ?? 0)),
      item("starting", "starting", String(at(d.starting) ?? 0)),
      item("queue", "queue", String(at(d.queue) ?? 0)),
      item("calls", "calls/s", String(at(d.callsPerS) ?? 0)),
      item("wait", "wait p99", wait === null || wait === undefined ? "–" : duration(wait)),
      item("launches", "launches", String(events.filter((e) => e.kind === "launch").length)),
    );
    fill(
      decisions,
      grouped(events)
        .slice(-DECISIONS_SHOWN)
        .reverse()
        .map(({ e, n }) =>
          h("li", { class: markLook(e) }, h("time", null, clock(e.t)), h("span", { class: "kind" }, e.kind.replace("_", " "), n > 1 ? ` ×${n}` : ""), h("span", { class: "reason" }, e.reason)),
        ),
    );
    if (events.length === 0) fill(decisions, h("li", { class: "muted" }, "No decision in the window yet: a launch shows here with the rule that decided it."));
  };

  return {
    el,
    get since() {
      return since;
    },
    add(tl) {
      windowS = tl.window_s;
      const s = tl.samples;
      const perS = 1000 / tl.interval_ms;
      for (let i = 0; i < s.t.length; i++) {
        d.t.push(s.t[i]! / 1000);
        d.idle.push(s.idle[i]!);
        d.busy.push(s.busy[i]!);
        d.starting.push(s.starting[i]!);
        d.queue.push(s.queue[i]!);
        d.callsPerS.push(s.calls[i]! * perS);
        d.errorsPerS.push(s.errors[i]! * perS);
        d.wait.push(s.wait_p99_ms[i] ?? null);
      }
      events.push(...tl.events);
      if (s.t.length > 0) since = s.t.at(-1);
      // Keep the window: drop what scrolled out of it.
      const oldest = (d.t.at(-1) ?? 0) - windowS;
      const drop = d.t.findIndex((t) => t > oldest);
      if (drop > 0) for (const xs of Object.values(d)) xs.splice(0, drop);
      events = events.filter((e) => e.t / 1000 > oldest);
      el.dataset.samples = String(d.t.length);
      showReadout();
      if (charts.length === 0) create();
      else {
        charts[0]!.setData(containersData());
        charts[1]!.setData(callsData());
      }
    },
    destroy() {
      resize.disconnect();
      for (const c of charts) c.destroy();
      charts = [];
    },
  };
}

/** The same decision for the same reason within one second, as one line with a count. */
function grouped(events: TimelineEvent[]): { e: TimelineEvent; n: number }[] {
  const out: { e: TimelineEvent; n: number }[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (last && last.e.kind === e.kind && last.e.reason === e.reason && Math.floor(last.e.t / 1000) === Math.floor(e.t / 1000)) last.n++;
    else out.push({ e, n: 1 });
  }
  return out;
}

function mark(kind: keyof typeof COLOR, text: string) {
  return h("span", { class: `mark ${kind}` }, text);
}
