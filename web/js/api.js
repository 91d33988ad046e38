// The page's one door to the API: same origin, JSON in and out, problem+json turned
// into ApiProblem, the session's bearer token on every request, and fresh reads after
// a write (anonymous GETs are answered from nginx's response cache for about a second,
// so a read right after a change asks past it with Cache-Control: no-cache).

import { session } from "./session.js";

/** An RFC 9457 problem the API (or nginx) answered, or a network failure. */
export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || `HTTP ${status}`;
    this.detail = problem.detail || "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter = problem.retryAfter || null;
  }
}

// Reads within this many milliseconds of the last write go past the response cache
// (its staleness bound for a deleted product is N + M + 1 s, 12 s by default).
const FRESH_AFTER_WRITE_MS = 15000;
let lastWrite = 0;

/**
 * One request. `body` is JSON text (already serialised: prices keep their literal
 * text); `token` defaults to the session's. Resolves to {status, data, headers};
 * rejects with ApiProblem.
 */
export async function request(method, path, { body, headers = {}, fresh = false, token = session.token() } = {}) {
  const sent = { Accept: "application/json", ...headers };
  if (token) sent.Authorization = `Bearer ${token}`;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (method === "GET" && (fresh || Date.now() - lastWrite < FRESH_AFTER_WRITE_MS)) {
    sent["Cache-Control"] = "no-cache";
  }
  let response;
  try {
    response = await fetch(path, { method, headers: sent, body, credentials: "omit", cache: "no-store" });
  } catch (error) {
    throw new ApiProblem(0, { title: "The service did not answer", detail: `Check the connection and try again (${error.message}).` });
  }
  if (method !== "GET") lastWrite = Date.now();
  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (response.status !== 204 && response.status !== 304 && /json/.test(type)) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const problem = data && typeof data === "object" ? data : { title: response.statusText || `HTTP ${response.status}` };
    problem.retryAfter = response.headers.get("Retry-After");
    if (response.status === 401 && token && token === session.token()) session.end("Your session has ended: sign in again.");
    throw new ApiProblem(response.status, problem);
  }
  return { status: response.status, data, headers: response.headers };
}

/** The cursor of the next page from a `Link: <…?cursor=…>; rel="next"` header, or null. */
export function nextCursor(headers) {
  const link = headers.get("Link") || "";
  const match = /<([^>]*)>\s*;\s*rel="next"/.exec(link);
  if (!match) return null;
  return new URL(match[1], location.origin).searchParams.get("cursor");
}

/** A product body as JSON text: the price's literal text is kept when it is a number. */
export function productBody({ name, description, price }) {
  const text = String(price).trim();
  const literal = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text) ? text : JSON.stringify(text);
  return `{"name":${JSON.stringify(name)},"description":${JSON.stringify(description)},"price":${literal}}`;
}
