// One client for the public API: JSON in and out, the session token, problem+json turned into an ApiError
// whose message is the problem's `detail` (what the person is shown), and a 401 on a signed-in call
// reported to `onSessionEnded` (the app goes back to sign-in; the cart stays on the server).
import { rupees } from "./money.js";

// Problems whose detail states amounts in paise (for API clients): the app says them in rupees from the
// problem's own fields, by its `type` code.
const IN_RUPEES = {
  "below-minimum": (p) => `The minimum order is ${rupees(p.minimum_order)}: add items worth ${rupees(p.shortfall)} more.`,
  "invalid-tip": (p) => (typeof p.max_tip === "number" ? `A tip can be at most ${rupees(p.max_tip)}.` : null),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(describeProblem(status, body));
    this.status = status;
    this.body = body;
    this.code = typeof body?.type === "string" ? body.type.split("/").pop() : null;
  }
}

/** The words a person reads for a failed call: the problem's detail (with the fields it names), else a fallback. */
export function describeProblem(status, body) {
  const code = typeof body?.type === "string" ? body.type.split("/").pop() : null;
  const inRupees = code && IN_RUPEES[code] ? IN_RUPEES[code](body) : null;
  if (inRupees) return inRupees;
  if (body && typeof body.detail === "string" && body.detail) {
    const fields = Array.isArray(body.errors)
      ? body.errors.map((e) => [fieldName(e), e.message || e.msg].filter(Boolean).join(": ")).filter(Boolean)
      : [];
    return fields.length ? `${body.detail} (${fields.join("; ")})` : body.detail;
  }
  if (body && typeof body.message === "string") {
    return status === 401 ? "Your session has ended: please sign in again." : body.message;
  }
  if (status === 0) return "The server could not be reached. Check your connection and try again.";
  return `Something went wrong (HTTP ${status}). Please try again.`;
}

/** "query.lat" → "lat": where the field was sent means nothing to a person. */
function fieldName(error) {
  const where = Array.isArray(error.loc) ? error.loc.join(".") : error.field;
  return where ? String(where).replace(/^(body|query|path|header)\./, "") : "";
}

export function createApi({ baseUrl, getToken, onSessionEnded }) {
  async function call(method, path, { query, body, headers } = {}) {
    const url = new URL(baseUrl + path);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
    }
    const token = getToken();
    const sent = { Accept: "application/json, application/problem+json", ...(headers || {}) };
    if (token) sent.Authorization = `Bearer ${token}`;
    if (body !== undefined) sent["Content-Type"] = "application/json";
    let reply;
    try {
      // "no-cache": the browser keeps catalog answers but asks again each time (If-None-Match, a 304 when
      // unchanged), so a screen reloaded after an edit (a surge, a store) never shows the cached answer.
      reply = await fetch(url, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
                                 cache: "no-cache" });
    } catch {
      throw new ApiError(0, null);
    }
    const text = await reply.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!reply.ok) {
      if (reply.status === 401 && token) onSessionEnded();
      throw new ApiError(reply.status, parsed);
    }
    return parsed;
  }
  return {
    get: (path, query) => call("GET", path, { query }),
    post: (path, body, headers) => call("POST", path, { body, headers }),
    put: (path, body) => call("PUT", path, { body }),
    patch: (path, body) => call("PATCH", path, { body }),
    del: (path) => call("DELETE", path),
  };
}
