// Saved addresses: the list and a form to add one (at the chosen delivery place by default).
import { useState } from "preact/hooks";
import { useApp } from "../app.js";
import { Empty, Loading, Problem } from "../components/feedback.jsx";
import { Layout } from "../components/layout.jsx";
import { useAction, useLoad } from "../hooks.js";

export function Addresses() {
  const { api } = useApp();
  const list = useLoad(() => api.get("/users/me/addresses"), []);
  return (
    <Layout title="Addresses">
      {list.loading && <Loading label="Loading addresses…" />}
      <Problem error={list.error} onRetry={list.reload} />
      {list.data && (list.data.addresses.length ? (
        <ul class="addresses">
          {list.data.addresses.map((a) => (
            <li key={a.address_id} class="card">
              <strong>{a.label}</strong>
              <span>{a.line1}{a.line2 ? `, ${a.line2}` : ""}, {a.city} {a.pincode}</span>
            </li>
          ))}
        </ul>
      ) : <Empty>No saved addresses yet.</Empty>)}
      <AddressForm onAdded={list.reload} />
    </Layout>
  );
}

export function AddressForm({ onAdded }) {
  const { api, place } = useApp();
  const [form, setForm] = useState({ label: "Home", line1: "", city: "Bengaluru", pincode: "",
    lat: place ? String(place.lat) : "", lng: place ? String(place.lng) : "" });
  const field = (name) => ({ id: `address-${name}`, name, value: form[name],
    onInput: (e) => setForm({ ...form, [name]: e.currentTarget.value }) });
  const add = useAction(async (event) => {
    event.preventDefault();
    const added = await api.post("/users/me/addresses", { label: form.label, line1: form.line1, city: form.city,
      pincode: form.pincode, lat: Number(form.lat), lng: Number(form.lng) });
    setForm({ ...form, line1: "" });
    onAdded(added);
  });
  return (
    <form class="card stack" onSubmit={add.run} aria-labelledby="add-address-title">
      <h2 id="add-address-title">Add an address</h2>
      <label for="address-label">Label</label>
      <input {...field("label")} required maxlength={40} />
      <label for="address-line1">House, street and area</label>
      <input {...field("line1")} required autocomplete="address-line1" />
      <label for="address-city">City</label>
      <input {...field("city")} required autocomplete="address-level2" />
      <label for="address-pincode">PIN code</label>
      <input {...field("pincode")} required inputmode="numeric" autocomplete="postal-code" />
      <div class="row">
        <label>
          Latitude
          <input {...field("lat")} required inputmode="decimal" />
        </label>
        <label>
          Longitude
          <input {...field("lng")} required inputmode="decimal" />
        </label>
      </div>
      <button type="submit" class="primary" disabled={add.busy}>{add.busy ? "Saving…" : "Save address"}</button>
      <Problem error={add.error} />
    </form>
  );
}
