// Delivery partners of a store (`GET /admin/delivery/partners?store_id=`), optionally by status, a page at a time.
import { useEffect, useState } from "preact/hooks";
import { useApp } from "../../app.js";
import { Empty, Loading, Problem } from "../../components/feedback.jsx";
import { useLoad } from "../../hooks.js";
import { AdminLayout } from "./AdminLayout.jsx";
import { StorePicker } from "./StorePicker.jsx";

const STATUS = { available: "Available", busy: "On a delivery", offline: "Offline" };

export function AdminPartners() {
  const { api } = useApp();
  const stores = useLoad(() => api.get("/stores"), []);
  const [storeId, setStoreId] = useState(null);
  const [status, setStatus] = useState("");
  const [cursor, setCursor] = useState(null);
  const chosen = storeId || stores.data?.stores?.[0]?.store_id || null;
  useEffect(() => setCursor(null), [chosen, status]);
  const page = useLoad(
    () => (chosen ? api.get("/admin/delivery/partners", { store_id: chosen, status, limit: 20, cursor }) : Promise.resolve(null)),
    [chosen, status, cursor],
  );
  const partners = page.data?.partners || [];
  return (
    <AdminLayout title="Delivery partners">
      <div class="row wrap">
        <StorePicker stores={stores} value={chosen} onChange={setStoreId} />
        <label class="field">
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any</option>
            {Object.entries(STATUS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
      </div>
      {page.loading && <Loading label="Loading partners…" />}
      <Problem error={page.error} onRetry={page.reload} />
      {page.data && (partners.length ? (
        <table class="admin-table">
          <caption class="visually-hidden">Delivery partners</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Vehicle</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {partners.map((p) => (
              <tr key={p.uid}>
                <th scope="row">{p.name}<br /><span class="hint">{p.phone}</span></th>
                <td>{p.vehicle}</td>
                <td>{STATUS[p.status] || p.status}{p.order_id ? <><br /><code>{p.order_id}</code></> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <Empty>No delivery partners here.</Empty>)}
      {page.data?.next_cursor && <button type="button" onClick={() => setCursor(page.data.next_cursor)}>Next page</button>}
    </AdminLayout>
  );
}
