// The dark stores (`GET /stores`) as a select, for the admin screens that work on one store.
import { Loading, Problem } from "../../components/feedback.jsx";

export function StorePicker({ stores, value, onChange, label = "Store" }) {
  if (stores.loading && !stores.data) return <Loading label="Loading stores…" />;
  if (stores.error) return <Problem error={stores.error} onRetry={stores.reload} />;
  return (
    <label class="field">
      {label}
      <select value={value || ""} onChange={(e) => onChange(e.currentTarget.value)}>
        {(stores.data?.stores || []).map((s) => <option key={s.store_id} value={s.store_id}>{s.name}</option>)}
      </select>
    </label>
  );
}
