// The product grid: GET /products in the API's order (ids ascending), the search
// (?q=, a case-insensitive substring of the name) and keyset paging. The grid's state
// lives in the URL (#/?q=…&cursor=…&limit=…), so each page has an address and the
// browser's Back goes to the previous page.

import { h, money, replace } from "./dom.js";
import { request, nextCursor } from "./api.js";
import { session } from "./session.js";
import { showProblem } from "./messages.js";

const DEFAULT_LIMIT = 24;

/** The grid's address for a search, a cursor and a page size. */
export function gridHash({ q = "", cursor = "", limit = "" } = {}) {
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (cursor) params.set("cursor", cursor);
  if (limit) params.set("limit", limit);
  const query = params.toString();
  return query ? `#/?${query}` : "#/";
}

export async function renderGrid(main, params) {
  const q = params.get("q") || "";
  const cursor = params.get("cursor") || "";
  const limit = params.get("limit") || "";
  sessionStorage.setItem("catalog.lastGrid", location.hash || "#/");

  const input = h("input", { id: "search-q", name: "q", type: "search", value: q, autocomplete: "off",
    placeholder: "at least 3 letters or digits", "aria-describedby": "search-hint" });
  const form = h("form", { class: "search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    location.hash = gridHash({ q: input.value.trim(), limit });
  } },
  h("label", { for: "search-q" }, "Search by name"),
  h("div", { class: "row" }, input, h("button", { type: "submit" }, "Search"),
    q ? h("a", { class: "button secondary", href: gridHash({ limit }) }, "Clear") : null),
  h("p", { id: "search-hint", class: "hint" }, "Matches any part of the name, ignoring case."));

  const heading = h("h1", { tabindex: "-1" }, q ? `Products matching “${q}”` : "Products");
  const list = h("ul", { class: "grid", "aria-busy": "true" });
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  replace(main, heading, form,
    session.isAdmin() ? h("p", { class: "actions" }, h("a", { class: "button", href: "#/products/new" }, "New product")) : null,
    list, pager);

  const query = new URLSearchParams({ limit: limit || String(DEFAULT_LIMIT) });
  if (q) query.set("q", q);
  if (cursor) query.set("cursor", cursor);
  let result;
  try {
    result = await request("GET", `/products?${query}`);
  } catch (error) {
    list.removeAttribute("aria-busy");
    replace(list, h("li", { class: "empty" }, "The products could not be loaded."));
    showProblem(error, "Loading the products failed");
    return heading;
  }
  const products = Array.isArray(result.data) ? result.data : [];
  list.removeAttribute("aria-busy");
  if (products.length === 0) {
    replace(list, h("li", { class: "empty" }, q ? "No product name contains that text." : "There are no products yet."));
  } else {
    replace(list, products.map((p) => h("li", { class: "card", "data-id": p.id },
      h("h2", {}, h("a", { class: "name", href: `#/products/${p.id}` }, p.name)),
      h("p", { class: "price" }, money(p.price)),
      p.description ? h("p", { class: "description" }, p.description) : null)));
  }
  const next = nextCursor(result.headers);
  replace(pager,
    cursor ? h("a", { class: "button secondary", href: gridHash({ q, limit }), rel: "first" }, "First page") : null,
    next ? h("a", { class: "button secondary", href: gridHash({ q, cursor: next, limit }), rel: "next" }, "Next page") : null);
  return heading;
}
