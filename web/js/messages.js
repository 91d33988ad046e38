// The message area under the header: what went wrong (every problem the API answers,
// with its title, detail and field errors) or what just happened.

import { h, replace } from "./dom.js";
import { ApiProblem } from "./api.js";

const area = () => document.getElementById("messages");

/** Shows a problem (ApiProblem or any error) as an alert. */
export function showProblem(error, context = "") {
  const problem = error instanceof ApiProblem ? error : new ApiProblem(0, { title: "Something went wrong", detail: String(error?.message || error) });
  const status = problem.status ? ` (${problem.status})` : "";
  replace(area(), h("div", { class: "message problem", role: "alert", "data-status": problem.status },
    h("p", { class: "title" }, context ? `${context}: ` : "", problem.title, status),
    problem.detail ? h("p", { class: "detail" }, problem.detail) : null,
    problem.errors.length
      ? h("ul", { class: "errors" }, problem.errors.map((e) => h("li", {}, h("code", {}, e.field), " ", e.message)))
      : null,
    problem.retryAfter ? h("p", {}, `Try again in ${problem.retryAfter} s.`) : null,
    h("button", { type: "button", class: "link", onclick: clearMessages }, "Dismiss")));
}

/** Shows a short notice (a change that succeeded); it stays for the next view too. */
export function showNotice(text) {
  replace(area(), h("div", { class: "message notice", role: "status", "data-keep": "1" }, h("p", {}, text)));
}

export function clearMessages() {
  area().replaceChildren();
}
