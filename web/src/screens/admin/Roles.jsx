// A user's roles (`PUT /admin/users/{uid}/roles`): replaces them all; store staff need their store.
import { useState } from "preact/hooks";
import { useApp } from "../../app.js";
import { Problem } from "../../components/feedback.jsx";
import { useAction, useLoad } from "../../hooks.js";
import { AdminLayout } from "./AdminLayout.jsx";
import { fieldErrors } from "./fields.js";
import { StorePicker } from "./StorePicker.jsx";

const ROLES = [["customer", "Customer"], ["store_staff", "Store staff"], ["delivery_partner", "Delivery partner"], ["admin", "Admin"]];

export function AdminRoles() {
  const { api } = useApp();
  const stores = useLoad(() => api.get("/stores"), []);
  const [uid, setUid] = useState("");
  const [roles, setRoles] = useState(["customer"]);
  const [storeId, setStoreId] = useState(null);
  const [done, setDone] = useState(null);
  const staff = roles.includes("store_staff");
  const chosenStore = storeId || stores.data?.stores?.[0]?.store_id || null;
  const save = useAction(async () => {
    setDone(null);
    const body = { roles, ...(staff ? { store_id: chosenStore } : {}) };
    setDone(await api.put(`/admin/users/${encodeURIComponent(uid.trim())}/roles`, body));
  });
  const errors = fieldErrors(save.error);
  return (
    <AdminLayout title="Roles">
      <form class="stack admin-form" onSubmit={(e) => { e.preventDefault(); save.run(); }} noValidate>
        <label class="field">
          User id
          <input name="uid" value={uid} onInput={(e) => setUid(e.currentTarget.value)} autocomplete="off" />
          {errors.uid && <span class="field-error">User id: {errors.uid}</span>}
        </label>
        <fieldset class="choices">
          <legend>Roles (they replace the user's roles)</legend>
          {ROLES.map(([value, label]) => (
            <label key={value} class="check">
              <input type="checkbox" checked={roles.includes(value)}
                onChange={(e) => setRoles(e.currentTarget.checked ? [...roles, value] : roles.filter((r) => r !== value))} />
              {" "}{label}
            </label>
          ))}
          {errors.roles && <span class="field-error">Roles: {errors.roles}</span>}
        </fieldset>
        {staff && <StorePicker stores={stores} value={chosenStore} onChange={setStoreId} label="Works at" />}
        <Problem error={save.error} />
        {done && (
          <p role="status" class="saved">
            {done.uid} now has: {done.roles.join(", ")}{done.store_id ? ` (store ${done.store_id})` : ""}.
          </p>
        )}
        <button type="submit" class="primary" disabled={save.busy || !uid.trim()}>{save.busy ? "Saving…" : "Save roles"}</button>
      </form>
    </AdminLayout>
  );
}
