// Admin forms: rupees typed by people ↔ paise the API keeps, and a 422 problem's `errors[]` by field name.
export function toPaise(text) {
  const trimmed = String(text ?? "").trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? Math.round(value * 100) : NaN; // NaN: the API names the field
}

export function toRupeesText(paise) {
  return typeof paise === "number" ? String(paise / 100) : "";
}

/** {field: message} from a problem's `errors` ("body.percent" → "percent"); empty when there are none. */
export function fieldErrors(error) {
  const found = {};
  for (const e of error?.body?.errors || []) {
    const name = String(e.field || (Array.isArray(e.loc) ? e.loc.join(".") : "")).replace(/^(body|query|path)\./, "");
    if (name && !found[name]) found[name] = e.message || e.msg || "is not valid";
  }
  return found;
}

/** "2026-12-05T10:30" in the browser's zone (a datetime-local input) ↔ the API's UTC instant. */
export function toInstant(local) {
  return local ? new Date(local).toISOString() : null;
}

export function toLocalInput(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
