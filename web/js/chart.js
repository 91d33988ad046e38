// The price-history chart, drawn by hand as SVG (no chart library: nothing to ship,
// nothing to keep up to date, and nothing that needs inline script or style). One point
// per bucket of GET /products/{id}/price-history: a band from min to max, a line through
// the means, a dot per bucket. Every value is set as an attribute or text, never markup.

import { amount, s, when } from "./dom.js";

const WIDTH = 800;
const HEIGHT = 260;
const PAD = { left: 64, right: 16, top: 16, bottom: 40 };

/** The chart of `points` over [from, to] (Dates) as an <svg>. */
export function priceChart(points, from, to) {
  const t0 = from.getTime();
  const t1 = Math.max(to.getTime(), t0 + 1);
  const values = points.flatMap((p) => [Number(p.min), Number(p.max)]);
  let low = Math.min(...values);
  let high = Math.max(...values);
  if (low === high) {
    low -= 1;
    high += 1;
  }
  const margin = (high - low) * 0.08;
  low = Math.max(0, low - margin);
  high += margin;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (iso) => PAD.left + ((new Date(iso).getTime() - t0) / (t1 - t0)) * plotW;
  const y = (value) => PAD.top + (1 - (Number(value) - low) / (high - low)) * plotH;
  const fixed = (n) => n.toFixed(1);
  // Dots shrink when there are many (168 hours in 7 days) so they do not merge.
  const radius = Math.max(1.5, Math.min(4, plotW / points.length / 3)).toFixed(1);

  const svg = s("svg", {
    class: "chart",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": `Price history: ${points.length} points from ${when(from.toISOString())} to ${when(to.toISOString())}, ` +
      `prices between ${amount(Math.min(...values))} and ${amount(Math.max(...values))}.`,
    "data-points": points.length,
  });

  // Grid lines and price labels: the bounds and the middle.
  for (const value of [high, (high + low) / 2, low]) {
    svg.append(s("line", { class: "gridline", x1: PAD.left, x2: WIDTH - PAD.right, y1: fixed(y(value)), y2: fixed(y(value)) }));
    svg.append(s("text", { class: "label", x: PAD.left - 6, y: fixed(y(value) + 4), "text-anchor": "end" }, amount(value)));
  }
  svg.append(s("line", { class: "axis", x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH }));
  svg.append(s("text", { class: "label", x: PAD.left, y: HEIGHT - 12, "text-anchor": "start" }, when(from.toISOString())));
  svg.append(s("text", { class: "label", x: WIDTH - PAD.right, y: HEIGHT - 12, "text-anchor": "end" }, when(to.toISOString())));

  if (points.length > 1) {
    const top = points.map((p) => `${fixed(x(p.at))},${fixed(y(p.max))}`);
    const bottom = points.map((p) => `${fixed(x(p.at))},${fixed(y(p.min))}`).reverse();
    svg.append(s("polygon", { class: "band", points: [...top, ...bottom].join(" ") }));
    svg.append(s("polyline", { class: "mean", points: points.map((p) => `${fixed(x(p.at))},${fixed(y(p.avg))}`).join(" ") }));
  }
  for (const p of points) {
    if (Number(p.min) !== Number(p.max)) {
      svg.append(s("line", { class: "range", x1: fixed(x(p.at)), x2: fixed(x(p.at)), y1: fixed(y(p.min)), y2: fixed(y(p.max)) }));
    }
    svg.append(s("circle", { class: "point", cx: fixed(x(p.at)), cy: fixed(y(p.avg)), r: radius, "data-at": p.at, "data-avg": p.avg },
      s("title", {}, `${when(p.at)}: mean ${amount(p.avg)} (min ${amount(p.min)}, max ${amount(p.max)}; ${p.offers} offers, ${p.changes} changes)`)));
  }
  return svg;
}
