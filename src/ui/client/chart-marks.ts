/**
 * The scaler's decisions drawn on the live charts (a uPlot draw hook), and the charts' colours.
 * @module
 */
import type { TimelineEvent } from "./api.ts";

export const COLOR = {
  idle: "#a8dadc",
  starting: "#f4a261",
  busy: "#1d6fa5",
  queue: "#c1121f",
  calls: "#2a9d8f",
  errors: "#e63946",
  wait: "#7b2cbf",
  launch: "#2a9d8f",
  start_failed: "#c1121f",
  gone: "#8d99ae",
} as const;

/** How an event is drawn and listed: a launch withdrawn before it started is not a failure, so it looks like a container gone. */
export function markLook(e: TimelineEvent): TimelineEvent["kind"] {
  return e.kind === "start_failed" && e.reason === "withdrawn" ? "gone" : e.kind;
}

/**
 * Draws the decision marks after the series, on every redraw: a line per event; launches also get a
 * triangle and, when `labelled`, their reason written beside them (launches for the same reason
 * within a few pixels share one label with a count), in the first of three rows where it fits, to
 * the left of the line near the right edge, where new decisions appear.
 */
export function drawMarks(events: () => TimelineEvent[], labelled: boolean) {
  return (u: uPlot) => {
    const { ctx, bbox } = u;
    const dpr = devicePixelRatio;
    const right = bbox.left + bbox.width;
    const labels: { x: number; n: number; reason: string }[] = [];
    ctx.save();
    for (const e of events()) {
      const x = Math.round(u.valToPos(e.t / 1000, "x", true));
      if (x < bbox.left || x > right) continue;
      const look = markLook(e);
      ctx.strokeStyle = COLOR[look];
      ctx.fillStyle = COLOR[look];
      ctx.lineWidth = (e.kind === "launch" ? 1.5 : 1) * dpr;
      ctx.setLineDash(look === "gone" ? [3 * dpr, 3 * dpr] : []);
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      if (e.kind !== "launch") continue;
      ctx.beginPath();
      ctx.moveTo(x - 4 * dpr, bbox.top);
      ctx.lineTo(x + 4 * dpr, bbox.top);
      ctx.lineTo(x, bbox.top + 6 * dpr);
      ctx.fill();
      const last = labels.at(-1);
      if (last && last.reason === e.reason && x - last.x < 6 * dpr) last.n++;
      else labels.push({ x, n: 1, reason: e.reason });
    }
    if (labelled) {
      const rowHeight = 14 * dpr;
      const rowsEnd = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
      ctx.font = `${11 * dpr}px system-ui, sans-serif`;
      ctx.textBaseline = "middle";
      for (const { x, n, reason } of labels) {
        const text = n > 1 ? `${n}× ${reason}` : reason;
        const w = ctx.measureText(text).width + 6 * dpr;
        const from = x + 6 * dpr + w <= right ? x + 6 * dpr : x - 6 * dpr - w;
        const row = rowsEnd.findIndex((end) => end < from);
        if (row < 0 || from < bbox.left) continue;
        rowsEnd[row] = from + w;
        const y = bbox.top + 10 * dpr + row * rowHeight;
        ctx.fillStyle = "rgba(255,255,255,0.85)";
        ctx.fillRect(from, y - rowHeight / 2, w, rowHeight);
        ctx.fillStyle = COLOR.launch;
        ctx.fillText(text, from + 3 * dpr, y);
      }
    }
    ctx.restore();
  };
}
