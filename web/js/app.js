// The page's entry point: the router over the URL's fragment and the account bar.
//
//   #/                      the product grid (#/?q=…&cursor=…&limit=…: search and page)
//   #/products/42           a product (…?period=1h|24h|7d|30d: the chart's period)
//   #/products/42/edit      the editor (admins)
//   #/products/new          a new product (admins)
//   #/sign-in               the sign-in form
//
// Fragment routes keep every view on the one address nginx negotiates (/), so JSON
// clients of /products/42 are never handed the page.

import { h, replace } from "./dom.js";
import { session } from "./session.js";
import { renderGrid } from "./grid.js";
import { renderProduct } from "./product.js";
import { renderEditor, renderSignIn } from "./forms.js";
import { clearMessages, showNotice } from "./messages.js";

const main = () => document.getElementById("main");

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?", 2);
  return { path, params: new URLSearchParams(query) };
}

let routing = 0;

async function route({ keepMessages = false } = {}) {
  const mine = ++routing;
  const { path, params } = parseHash();
  if (!keepMessages) clearMessages();
  let match;
  let heading;
  if (path === "/" || path === "") {
    heading = await renderGrid(main(), params);
  } else if (path === "/sign-in") {
    heading = renderSignIn(main());
  } else if (path === "/products/new") {
    heading = await renderEditor(main(), null);
  } else if ((match = /^\/products\/([1-9][0-9]{0,18})(\/edit)?$/.exec(path))) {
    heading = match[2] ? await renderEditor(main(), match[1]) : await renderProduct(main(), match[1], params);
  } else {
    heading = h("h1", { tabindex: "-1" }, "Not found");
    replace(main(), heading, h("p", {}, "There is nothing at this address. ", h("a", { href: "#/" }, "See all products"), "."));
  }
  // Move focus to the new view's heading, for keyboard and screen-reader users (not on
  // the first load, where the browser's own starting point is right).
  if (mine === routing && heading && document.body.dataset.routed) heading.focus({ preventScroll: false });
  document.body.dataset.routed = "1";
  document.body.dataset.view = path.split("/")[1] || "grid";
}

function renderAccount() {
  const nav = document.getElementById("account");
  const user = session.user();
  if (user) {
    replace(nav, h("span", { class: "who" }, "Signed in as ", h("strong", {}, user.name), user.role === "admin" ? " (admin)" : ""),
      h("button", { type: "button", id: "sign-out", class: "secondary", onclick: () => {
        session.end();
        showNotice("Signed out.");
      } }, "Sign out"));
  } else {
    replace(nav, h("a", { class: "button", id: "sign-in", href: "#/sign-in" }, "Sign in"));
  }
}

session.onChange((reason) => {
  renderAccount();
  if (reason) showNotice(reason);
  route({ keepMessages: true });
});
window.addEventListener("hashchange", () => {
  // A notice set just before navigating (saved, deleted, signed in) stays for the new view.
  const notice = document.querySelector("#messages [data-keep]");
  notice?.removeAttribute("data-keep");
  route({ keepMessages: Boolean(notice) });
});
renderAccount();
route();
