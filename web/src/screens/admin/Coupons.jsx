// Admin coupons: the list (`GET /admin/coupons`, filtered by active, a page at a time), a new coupon, editing
// one with the version it was read at (409 when someone changed it meanwhile), and deactivating one. The
// API's validation errors are shown beside the field they name.
import { useState } from "preact/hooks";
import { useApp } from "../../app.js";
import { Empty, Loading, Problem } from "../../components/feedback.jsx";
import { useAction, useLoad } from "../../hooks.js";
import { rupees } from "../../money.js";
import { navigate } from "../../router.js";
import { AdminLayout } from "./AdminLayout.jsx";
import { fieldErrors, toInstant, toLocalInput, toPaise, toRupeesText } from "./fields.js";

const KINDS = [["flat", "Flat amount"], ["percent", "Percentage"], ["free_delivery", "Free delivery"]];

export function terms(coupon) {
  if (coupon.kind === "flat") return `${rupees(coupon.amount)} off`;
  if (coupon.kind === "percent") return `${coupon.percent}% off up to ${rupees(coupon.max_discount)}`;
  return "Free delivery";
}

export function AdminCoupons() {
  const { api } = useApp();
  const [active, setActive] = useState("");
  const [cursor, setCursor] = useState(null);
  const page = useLoad(() => api.get("/admin/coupons", { limit: 20, active, cursor }), [active, cursor]);
  const coupons = page.data?.coupons || [];
  return (
    <AdminLayout title="Coupons">
      <div class="row">
        <label class="field">
          Show
          <select value={active} onChange={(e) => { setActive(e.currentTarget.value); setCursor(null); }}>
            <option value="">All coupons</option>
            <option value="true">Active</option>
            <option value="false">Inactive</option>
          </select>
        </label>
        <a class="button primary" href="#/admin/coupons/new">New coupon</a>
      </div>
      {page.loading && <Loading label="Loading coupons…" />}
      <Problem error={page.error} onRetry={page.reload} />
      {page.data && (coupons.length ? (
        <table class="admin-table">
          <caption class="visually-hidden">Coupons</caption>
          <thead><tr><th scope="col">Code</th><th scope="col">Offer</th><th scope="col">Used</th><th scope="col">State</th></tr></thead>
          <tbody>
            {coupons.map((c) => (
              <tr key={c.code} data-code={c.code}>
                <th scope="row"><a href={`#/admin/coupons/${encodeURIComponent(c.code)}`}>{c.code}</a></th>
                <td>{c.title}<br /><span class="hint">{terms(c)}{c.min_item_total ? ` · from ${rupees(c.min_item_total)}` : ""}</span></td>
                <td>{c.used}{c.total_limit ? ` / ${c.total_limit}` : ""}</td>
                <td>{c.is_active ? "Active" : "Inactive"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <Empty>No coupons here yet.</Empty>)}
      {page.data?.next_cursor && (
        <button type="button" onClick={() => setCursor(page.data.next_cursor)}>Next page</button>
      )}
    </AdminLayout>
  );
}

/** The form's text fields from a coupon (or a new one's defaults). */
function formOf(coupon) {
  return {
    code: coupon?.code || "", title: coupon?.title || "", description: coupon?.description || "",
    kind: coupon?.kind || "flat", amount: toRupeesText(coupon?.amount), percent: coupon?.percent ? String(coupon.percent) : "",
    max_discount: toRupeesText(coupon?.max_discount), min_item_total: toRupeesText(coupon?.min_item_total ?? 0),
    valid_from: toLocalInput(coupon?.valid_from), valid_until: toLocalInput(coupon?.valid_until),
    first_order_only: Boolean(coupon?.first_order_only),
    per_user_limit: coupon?.per_user_limit ? String(coupon.per_user_limit) : "",
    total_limit: coupon?.total_limit ? String(coupon.total_limit) : "",
    store_ids: coupon?.store_ids || [], is_active: coupon ? coupon.is_active : true,
  };
}

function count(text) {
  const trimmed = String(text).trim();
  return trimmed === "" ? null : Number(trimmed);
}

/** What the API takes from the form: only the kind's own amounts; empty optional fields as null. */
function bodyOf(form, { creating }) {
  const body = {
    title: form.title, description: form.description, kind: form.kind,
    min_item_total: toPaise(form.min_item_total) ?? 0,
    valid_until: toInstant(form.valid_until), first_order_only: form.first_order_only,
    per_user_limit: count(form.per_user_limit), total_limit: count(form.total_limit),
    store_ids: form.store_ids, is_active: form.is_active,
    amount: form.kind === "flat" ? toPaise(form.amount) : null,
    percent: form.kind === "percent" ? count(form.percent) : null,
    max_discount: form.kind === "percent" ? toPaise(form.max_discount) : null,
  };
  if (form.valid_from) body.valid_from = toInstant(form.valid_from);
  if (creating) body.code = form.code.trim();
  return body;
}

export function AdminCouponEdit({ code }) {
  const { api } = useApp();
  const creating = code === undefined;
  const coupon = useLoad(
    () => (creating ? Promise.resolve(null) : api.get(`/admin/coupons/${encodeURIComponent(code)}`)),
    [code],
  );
  return (
    <AdminLayout title={creating ? "New coupon" : `Coupon ${code}`}>
      <p><a href="#/admin/coupons">All coupons</a></p>
      {coupon.loading && <Loading label="Loading the coupon…" />}
      <Problem error={coupon.error} onRetry={coupon.reload} />
      {!coupon.loading && !coupon.error && (
        <CouponForm key={coupon.data?.code || "new"} coupon={coupon.data} onSaved={coupon.setData} />
      )}
    </AdminLayout>
  );
}

function CouponForm({ coupon, onSaved }) {
  const { api } = useApp();
  const creating = !coupon;
  const [form, setForm] = useState(formOf(coupon));
  const [saved, setSaved] = useState(null);
  const stores = useLoad(() => api.get("/stores"), []);
  const set = (name) => (e) => {
    const value = e.currentTarget.type === "checkbox" ? e.currentTarget.checked : e.currentTarget.value;
    setForm((f) => ({ ...f, [name]: value }));
  };
  const save = useAction(async () => {
    setSaved(null);
    const body = bodyOf(form, { creating });
    if (creating) {
      const made = await api.post("/admin/coupons", body, { "Idempotency-Key": crypto.randomUUID() });
      navigate(`/admin/coupons/${encodeURIComponent(made.code)}`);
      return;
    }
    const changed = await api.patch(`/admin/coupons/${encodeURIComponent(coupon.code)}`, { ...body, version: coupon.version });
    onSaved(changed);
    setSaved(`Saved (version ${changed.version}).`);
  });
  const deactivate = useAction(async () => {
    const done = await api.post(`/admin/coupons/${encodeURIComponent(coupon.code)}/deactivate`);
    onSaved(done);
    setForm((f) => ({ ...f, is_active: false }));
    setSaved("Deactivated: customers no longer see it.");
  });
  const errors = fieldErrors(save.error);
  // The label names the control alone; its error follows it, tied to it by aria-describedby.
  const field = (name, label, input) => (
    <div class="field" key={name}>
      <label for={`f-${name}`}>{label}</label>
      {input}
      {errors[name] && <span class="field-error" id={`err-${name}`}>{label}: {errors[name]}</span>}
    </div>
  );
  const text = (name, label, props = {}) => field(name, label, (
    <input id={`f-${name}`} name={name} value={form[name]} onInput={set(name)}
      aria-invalid={errors[name] ? "true" : undefined} aria-describedby={errors[name] ? `err-${name}` : undefined}
      {...props} />
  ));
  const money = (name, label) => text(name, label, { inputMode: "decimal" });
  const storeList = stores.data?.stores || [];
  return (
    <form class="stack admin-form" onSubmit={(e) => { e.preventDefault(); save.run(); }} noValidate>
      {coupon && (
        <p class="hint" role="status">
          Used {coupon.used} times · {coupon.is_active ? "Active" : "Inactive"} · version {coupon.version}
        </p>
      )}
      {creating ? text("code", "Code", { autocapitalize: "characters", maxLength: 20 }) : null}
      {text("title", "Title")}
      {text("description", "Description")}
      {field("kind", "Kind", (
        <select id="f-kind" name="kind" value={form.kind} onChange={set("kind")}>
          {KINDS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
      ))}
      {form.kind === "flat" && money("amount", "Amount off (₹)")}
      {form.kind === "percent" && text("percent", "Percent off", { inputMode: "numeric" })}
      {form.kind === "percent" && money("max_discount", "Most it takes off (₹)")}
      {money("min_item_total", "Minimum item total (₹)")}
      {text("valid_from", "Valid from", { type: "datetime-local" })}
      {text("valid_until", "Valid until (empty: no end)", { type: "datetime-local" })}
      {text("per_user_limit", "Uses per customer (empty: unlimited)", { inputMode: "numeric" })}
      {text("total_limit", "Uses in all (empty: unlimited)", { inputMode: "numeric" })}
      <label class="check">
        <input type="checkbox" checked={form.first_order_only} onChange={set("first_order_only")} /> First order only
      </label>
      <label class="check">
        <input type="checkbox" checked={form.is_active} onChange={set("is_active")} /> Active
      </label>
      <fieldset class="choices">
        <legend>Stores (none ticked: every store)</legend>
        {stores.loading && <Loading label="Loading stores…" />}
        <Problem error={stores.error} onRetry={stores.reload} />
        {storeList.map((s) => (
          <label key={s.store_id} class="check">
            <input type="checkbox" checked={form.store_ids.includes(s.store_id)}
              onChange={(e) => setForm((f) => ({
                ...f, store_ids: e.currentTarget.checked ? [...f.store_ids, s.store_id] : f.store_ids.filter((x) => x !== s.store_id),
              }))} />
            {" "}{s.name}
          </label>
        ))}
        {errors.store_ids && <span class="field-error">Stores: {errors.store_ids}</span>}
      </fieldset>
      <Problem error={save.error} />
      {saved && <p role="status" class="saved">{saved}</p>}
      <button type="submit" class="primary" disabled={save.busy}>
        {save.busy ? "Saving…" : creating ? "Create coupon" : "Save changes"}
      </button>
      {coupon?.is_active && (
        <button type="button" disabled={deactivate.busy} onClick={deactivate.run}>
          {deactivate.busy ? "Deactivating…" : "Deactivate"}
        </button>
      )}
      <Problem error={deactivate.error} />
    </form>
  );
}
