// What the app keeps in the browser between visits: the session (token and user) and the chosen location.
// A JSON value per key; a value that does not parse counts as absent.
const KEYS = { session: "blinkit.session", place: "blinkit.place", returnTo: "blinkit.returnTo" };

function read(key) {
  try {
    return JSON.parse(window.localStorage.getItem(KEYS[key]) || "null");
  } catch {
    return null;
  }
}

function write(key, value) {
  if (value === null || value === undefined) window.localStorage.removeItem(KEYS[key]);
  else window.localStorage.setItem(KEYS[key], JSON.stringify(value));
}

export const saved = {
  session: () => read("session"),
  setSession: (value) => write("session", value),
  place: () => read("place"),
  setPlace: (value) => write("place", value),
  returnTo: () => read("returnTo"),
  setReturnTo: (value) => write("returnTo", value),
};
