// The signed-in user: the access token and who it belongs to, kept in this tab's
// sessionStorage (gone when the tab closes; never localStorage, which every tab and
// every later visit would share). Listeners hear of every change.

const KEY = "catalog.session";
const listeners = new Set();

function read() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (value && value.token && value.expiresAt > Date.now()) return value;
  } catch {
    /* a damaged entry counts as signed out */
  }
  return null;
}

export const session = {
  /** The bearer token while it is valid, else null. */
  token() {
    return read()?.token ?? null;
  },
  /** {id, email, name, role} of the signed-in user, or null. */
  user() {
    return read()?.user ?? null;
  },
  isAdmin() {
    return read()?.user?.role === "admin";
  },
  start(token, expiresIn, user) {
    sessionStorage.setItem(KEY, JSON.stringify({ token, user, expiresAt: Date.now() + expiresIn * 1000 }));
    listeners.forEach((listener) => listener(null));
  },
  /** Signs out; `reason` is shown when the API, not the user, ended it. */
  end(reason = null) {
    sessionStorage.removeItem(KEY);
    listeners.forEach((listener) => listener(reason));
  },
  onChange(listener) {
    listeners.add(listener);
  },
};
