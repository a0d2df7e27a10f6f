// Surge per store: the stores with their surge now (`GET /stores` answers `surge` while it lasts), set one
// (`PUT /admin/stores/{id}/surge`: fee, reason, minutes) or end it now (`DELETE`).
import { useState } from "preact/hooks";
import { useApp } from "../../app.js";
import { Loading, Problem } from "../../components/feedback.jsx";
import { useAction, useLoad } from "../../hooks.js";
import { rupees } from "../../money.js";
import { AdminLayout } from "./AdminLayout.jsx";
import { fieldErrors, toPaise } from "./fields.js";

function until(iso) {
  return new Date(iso).toLocaleTimeString("en-IN", { hour: "numeric", minute: "2-digit" });
}

export function AdminSurge() {
  const { api } = useApp();
  const stores = useLoad(() => api.get("/stores"), []);
  return (
    <AdminLayout title="Surge fees">
      <p class="hint">A surge fee is added to every order at the store until it ends (by itself, or when you end it).</p>
      {stores.loading && !stores.data && <Loading label="Loading stores…" />}
      <Problem error={stores.error} onRetry={stores.reload} />
      {(stores.data?.stores || []).map((store) => (
        <StoreSurge key={store.store_id} store={store} onChanged={stores.reload} />
      ))}
    </AdminLayout>
  );
}

function StoreSurge({ store, onChanged }) {
  const { api } = useApp();
  const [form, setForm] = useState({ fee: "20", reason: "Rain", minutes: "60" });
  const [now, setNow] = useState(store);
  const path = `/admin/stores/${encodeURIComponent(store.store_id)}/surge`;
  const set = useAction(async () => {
    const fee = toPaise(form.fee);
    setNow(await api.put(path, { fee: Number.isNaN(fee) ? form.fee : fee, reason: form.reason.trim(), minutes: Number(form.minutes) }));
    onChanged();
  });
  const end = useAction(async () => {
    setNow(await api.del(path));
    onChanged();
  });
  const errors = fieldErrors(set.error);
  const id = `surge-${store.store_id}`;
  const input = (name, label, props) => (
    <label class="field">
      {label}
      <input name={name} value={form[name]} onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} {...props} />
      {errors[name] && <span class="field-error">{label}: {errors[name]}</span>}
    </label>
  );
  return (
    <section class="card surge" aria-labelledby={id} data-store={store.store_id}>
      <h2 id={id}>{store.name}</h2>
      <p role="status">
        {now.surge ? <>Surge <strong>{rupees(now.surge.fee)}</strong> ({now.surge.reason}) until {until(now.surge.expires_at)}</>
          : "No surge now"}
      </p>
      <form class="row wrap" onSubmit={(e) => { e.preventDefault(); set.run(); }} noValidate>
        {input("fee", "Fee (₹)", { inputMode: "decimal" })}
        {input("reason", "Reason", { maxLength: 40 })}
        {input("minutes", "Minutes", { inputMode: "numeric" })}
        <button type="submit" class="primary" disabled={set.busy}>{set.busy ? "Setting…" : "Set surge"}</button>
      </form>
      {now.surge && (
        <button type="button" disabled={end.busy} onClick={end.run}>{end.busy ? "Ending…" : "End surge now"}</button>
      )}
      <Problem error={set.error} />
      <Problem error={end.error} />
    </section>
  );
}
