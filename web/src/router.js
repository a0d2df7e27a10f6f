// Routes live in the URL's hash (/#/cart, /#/orders/ord_…), so an app route never reaches the server and
// never collides with an API path; any server only has to serve "/".
import { useEffect, useState } from "preact/hooks";

export function currentPath() {
  const hash = window.location.hash.replace(/^#/, "");
  return hash.startsWith("/") ? hash : "/";
}

export function navigate(path) {
  if (currentPath() !== path) window.location.hash = path;
}

/** The current hash path, re-rendering on change. */
export function usePath() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const changed = () => setPath(currentPath());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return path;
}

/** The first route whose pattern (`/orders/:id`) fits `path`, as {name, params}; else null. */
export function matchRoute(routes, path) {
  for (const [pattern, name] of routes) {
    const names = [];
    const regex = new RegExp(
      "^" + pattern.replace(/:([a-z_]+)/g, (_, n) => (names.push(n), "([^/]+)")) + "/?$",
    );
    const found = path.split("?")[0].match(regex);
    if (found) {
      return { name, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])])) };
    }
  }
  return null;
}
