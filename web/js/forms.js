// The forms: sign-in (POST /auth/login, then GET /users/me for the name and role) and
// the product editor (POST /products; PUT /products/{id} with If-Match). Every field
// has a label; the API's answer decides what is valid, and its problem is shown.

import { h, replace } from "./dom.js";
import { request, productBody } from "./api.js";
import { session } from "./session.js";
import { showNotice, showProblem, clearMessages } from "./messages.js";
import { backToGrid } from "./product.js";

function field(id, label, control) {
  return h("p", { class: "field" }, h("label", { for: id }, label), control);
}

export function renderSignIn(main) {
  const heading = h("h1", { tabindex: "-1" }, "Sign in");
  const email = h("input", { id: "signin-email", name: "email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { id: "signin-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "form", onsubmit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const body = JSON.stringify({ email: email.value, password: password.value });
      const login = await request("POST", "/auth/login", { body });
      const token = login.data.access_token;
      const me = await fetchMe(token);
      session.start(token, login.data.expires_in, me);
      clearMessages();
      showNotice(`Signed in as ${me.name}.`);
      location.hash = backToGrid();
    } catch (error) {
      showProblem(error, "Signing in failed");
      password.value = "";
      password.focus();
    } finally {
      submit.disabled = false;
    }
  } },
  field("signin-email", "Email", email), field("signin-password", "Password", password),
  h("p", { class: "row" }, submit, h("a", { class: "button secondary", href: backToGrid() }, "Cancel")));
  replace(main, heading, form);
  return heading;
}

// GET /users/me with the new token (the session does not hold it yet).
async function fetchMe(token) {
  const me = (await request("GET", "/users/me", { token })).data;
  return { id: me.id, email: me.email, name: me.name, role: me.role };
}

/** The editor: `id` null creates a product, else edits it. */
export async function renderEditor(main, id) {
  const heading = h("h1", { tabindex: "-1" }, id ? "Edit product" : "New product");
  if (!session.isAdmin()) {
    replace(main, heading, h("p", {}, "Only administrators can change products. ", h("a", { href: "#/sign-in" }, "Sign in"), "."));
    return heading;
  }
  let etag = null;
  let current = { name: "", description: "", price: "" };
  if (id) {
    try {
      const result = await request("GET", `/products/${id}`, { fresh: true });
      current = result.data;
      etag = result.headers.get("ETag");
    } catch (error) {
      replace(main, heading, h("p", {}, "The product could not be loaded."));
      showProblem(error, "Loading the product failed");
      return heading;
    }
  }
  const name = h("input", { id: "product-name", name: "name", value: current.name, maxlength: 200, autocomplete: "off" });
  const description = h("textarea", { id: "product-description", name: "description", rows: 4 }, current.description);
  const price = h("input", { id: "product-price", name: "price", value: current.price === "" ? "" : String(current.price),
    inputmode: "decimal", autocomplete: "off", "aria-describedby": "price-hint" });
  const submit = h("button", { type: "submit" }, id ? "Save" : "Create");
  const cancel = id ? `#/products/${id}` : backToGrid();
  const form = h("form", { class: "form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const body = productBody({ name: name.value, description: description.value, price: price.value });
    try {
      const result = id
        ? await request("PUT", `/products/${id}`, { body, headers: etag ? { "If-Match": etag } : {} })
        : await request("POST", "/products", { body });
      showNotice(id ? `Saved “${result.data.name}”.` : `Created “${result.data.name}”.`);
      location.hash = `#/products/${result.data.id}`;
    } catch (error) {
      showProblem(error, id ? "Saving failed" : "Creating failed");
      if (error.status === 412) {
        replace(form.querySelector(".stale"), "Someone changed this product after you opened it. ",
          h("a", { href: `#/products/${id}` }, "Look at the current version"), " and edit it again.");
      }
    } finally {
      submit.disabled = false;
    }
  } },
  field("product-name", "Name", name),
  field("product-description", "Description", description),
  field("product-price", "Price", price),
  h("p", { id: "price-hint", class: "hint" }, "A decimal with at most two places, e.g. 19.99."),
  h("p", { class: "stale", role: "status" }),
  h("p", { class: "row" }, submit, h("a", { class: "button secondary", href: cancel }, "Cancel")));
  replace(main, heading, form);
  return heading;
}
