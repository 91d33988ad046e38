// One product: its details and current offers (GET /products/{id}), the price history
// of a chosen period as a chart (GET /products/{id}/price-history) with the trend over
// that period (GET /products/{id}/price-trend), and for admins Edit and Delete (with
// If-Match: the ETag of the representation shown, so a change made meanwhile is a 412
// and nothing is overwritten).

import { amount, h, money, replace, when } from "./dom.js";
import { request } from "./api.js";
import { session } from "./session.js";
import { priceChart } from "./chart.js";
import { showNotice, showProblem } from "./messages.js";

/** The periods of the switch: the trend's `period` and the history's range and bucket. */
export const PERIODS = [
  { period: "1h", label: "1 hour", ms: 3600e3, bucket: "minute" },
  { period: "24h", label: "24 hours", ms: 24 * 3600e3, bucket: "hour" },
  { period: "7d", label: "7 days", ms: 7 * 24 * 3600e3, bucket: "hour" },
  { period: "30d", label: "30 days", ms: 30 * 24 * 3600e3, bucket: "day" },
];

// RFC 3339 with whole seconds, as the API writes its own timestamps.
const rfc3339 = (date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

export function backToGrid() {
  return sessionStorage.getItem("catalog.lastGrid") || "#/";
}

export async function renderProduct(main, id, params) {
  const heading = h("h1", { tabindex: "-1" }, `Product ${id}`);
  replace(main, h("p", {}, h("a", { href: backToGrid() }, "← All products")), heading, h("p", { class: "loading" }, "Loading…"));
  let result;
  try {
    result = await request("GET", `/products/${id}`);
  } catch (error) {
    replace(main, h("p", {}, h("a", { href: backToGrid() }, "← All products")), heading,
      h("p", {}, error.status === 404 ? "There is no such product." : "The product could not be loaded."));
    showProblem(error, "Loading the product failed");
    return heading;
  }
  const product = result.data;
  const etag = result.headers.get("ETag");
  heading.textContent = product.name;

  const offers = Array.isArray(product.offers) ? product.offers : [];
  const offersSection = h("section", { class: "offers", "aria-labelledby": "offers-title" },
    h("h2", { id: "offers-title" }, "Current offers"),
    offers.length === 0
      ? h("p", { class: "empty" }, product.offers_synced_at ? "No offers right now." : "No offers yet: they appear after the next offer sync.")
      : h("div", { class: "scroll" }, h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Offer"), h("th", { scope: "col", class: "num" }, "Price"),
          h("th", { scope: "col", class: "num" }, "In stock"), h("th", { scope: "col" }, "Updated"))),
        h("tbody", {}, offers.map((o) => h("tr", { "data-offer": o.id },
          h("td", {}, h("code", {}, o.id)), h("td", { class: "num" }, amount(o.price)),
          h("td", { class: "num" }, o.items_in_stock), h("td", {}, when(o.updated_at))))))));

  const historySection = h("section", { class: "history", "aria-labelledby": "history-title" });
  const admin = session.isAdmin() ? adminActions(product, etag) : null;

  replace(main,
    h("p", {}, h("a", { href: backToGrid() }, "← All products")),
    heading,
    h("dl", { class: "facts" },
      h("dt", {}, "List price"), h("dd", { class: "price" }, money(product.price)),
      h("dt", {}, "Description"), h("dd", { class: "description" }, product.description || "—"),
      h("dt", {}, "Offers last changed"), h("dd", {}, when(product.offers_synced_at)),
      h("dt", {}, "Updated"), h("dd", {}, when(product.updated_at))),
    admin, offersSection, historySection);

  const chosen = PERIODS.find((p) => p.period === params.get("period")) || PERIODS[1];
  renderHistory(historySection, product.id, chosen);
  return heading;
}

function adminActions(product, etag) {
  const box = h("div", { class: "actions" });
  const confirmDelete = () => {
    replace(box, h("p", { role: "alert" }, "Delete this product and its offers?"),
      h("button", { type: "button", class: "danger", id: "confirm-delete", onclick: remove }, "Delete"),
      h("button", { type: "button", class: "secondary", onclick: reset }, "Cancel"));
    box.querySelector("#confirm-delete").focus();
  };
  const remove = async () => {
    try {
      await request("DELETE", `/products/${product.id}`, { headers: etag ? { "If-Match": etag } : {} });
    } catch (error) {
      showProblem(error, "Deleting failed");
      reset();
      return;
    }
    showNotice(`Deleted “${product.name}”.`);
    location.hash = backToGrid();
  };
  const reset = () => {
    replace(box, h("a", { class: "button", href: `#/products/${product.id}/edit` }, "Edit"),
      h("button", { type: "button", class: "danger", id: "delete", onclick: confirmDelete }, "Delete…"));
  };
  reset();
  return box;
}

/** The period switch, the trend and the chart for one period. */
function renderHistory(section, id, chosen) {
  const chartBox = h("div", { class: "chart-box", "aria-live": "polite" });
  const trendBox = h("p", { class: "trend" });
  const buttons = PERIODS.map((p) => h("button", {
    type: "button", class: "period", "data-period": p.period, "aria-pressed": String(p === chosen),
    onclick: () => {
      buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.period === p.period)));
      history.replaceState(null, "", `#/products/${id}?period=${p.period}`);
      load(p);
    },
  }, p.period));
  replace(section, h("h2", { id: "history-title" }, "Price history"),
    h("div", { class: "periods", role: "group", "aria-label": "Period" }, buttons), trendBox, chartBox);

  let generation = 0;
  const load = async (p) => {
    const mine = ++generation;
    const to = new Date(Math.floor(Date.now() / 1000) * 1000);
    const from = new Date(to.getTime() - p.ms);
    chartBox.setAttribute("aria-busy", "true");
    const query = new URLSearchParams({ from: rfc3339(from), to: rfc3339(to), bucket: p.bucket });
    const [historyResult, trendResult] = await Promise.allSettled([
      request("GET", `/products/${id}/price-history?${query}`),
      request("GET", `/products/${id}/price-trend?period=${p.period}`),
    ]);
    if (mine !== generation) return; // a later choice is on its way
    chartBox.removeAttribute("aria-busy");
    chartBox.dataset.from = rfc3339(from);
    chartBox.dataset.to = rfc3339(to);
    chartBox.dataset.bucket = p.bucket;

    if (trendResult.status === "fulfilled") {
      replace(trendBox, trendText(trendResult.value.data, p));
      trendBox.dataset.direction = trendResult.value.data?.direction ?? "";
    } else {
      replace(trendBox, "The trend is not available.");
    }
    if (historyResult.status === "rejected") {
      replace(chartBox, h("p", { class: "empty" }, "The price history is not available."));
      showProblem(historyResult.reason, "Loading the price history failed");
      return;
    }
    const points = Array.isArray(historyResult.value.data?.points) ? historyResult.value.data.points : [];
    if (points.length === 0) {
      replace(chartBox, h("p", { class: "empty" }, `No prices were recorded in the last ${p.label}.`));
      return;
    }
    replace(chartBox, priceChart(points, from, to),
      h("details", { class: "data" }, h("summary", {}, "The chart's data"),
        h("div", { class: "scroll" }, h("table", {},
          h("thead", {}, h("tr", {}, ["Time", "Min", "Mean", "Max", "Offers", "Changes"].map((t, i) =>
            h("th", { scope: "col", class: i ? "num" : null }, t)))),
          h("tbody", {}, points.map((pt) => h("tr", {},
            h("td", {}, when(pt.at)), h("td", { class: "num" }, amount(pt.min)), h("td", { class: "num" }, amount(pt.avg)),
            h("td", { class: "num" }, amount(pt.max)), h("td", { class: "num" }, pt.offers), h("td", { class: "num" }, pt.changes))))))));
  };
  load(chosen);
}

function trendText(trend, p) {
  if (!trend || trend.change_percent === null || trend.change_percent === undefined) {
    return `No trend over the last ${p.label}: no offer was in force at its start.`;
  }
  const arrow = { up: "▲", down: "▼", flat: "▶" }[trend.direction] || "";
  const change = Number(trend.change_percent);
  const sign = change > 0 ? "+" : "";
  return `${arrow} ${sign}${change.toFixed(2)} % over the last ${p.label} ` +
    `(mean offer price ${amount(trend.from?.avg)} → ${amount(trend.to?.avg)})`;
}
