// Where to deliver: a saved address, a suggested place (locally: near each demo store), the browser's
// location or coordinates typed in; GET /stores/serviceable answers the store and its ETA.
import { useState } from "preact/hooks";
import { useApp } from "../app.js";
import { Problem } from "../components/feedback.jsx";
import { useAction } from "../hooks.js";

export function LocationPicker() {
  const { api, config, place, choosePlace } = useApp();
  const [open, setOpen] = useState(!place?.store);
  const [lat, setLat] = useState(place ? String(place.lat) : "");
  const [lng, setLng] = useState(place ? String(place.lng) : "");
  const [denied, setDenied] = useState(null);
  const check = useAction(async (label, latitude, longitude) => {
    const found = await api.get("/stores/serviceable", { lat: latitude, lng: longitude });
    choosePlace({ label, lat: latitude, lng: longitude, store: found.store, eta: found.eta_minutes,
      distanceKm: found.distance_km });
    setOpen(false);
  });
  const locate = () => {
    setDenied(null);
    navigator.geolocation.getCurrentPosition(
      (pos) => check.run("Current location", pos.coords.latitude, pos.coords.longitude),
      () => setDenied(new Error("Your browser did not share your location: choose a place or enter coordinates.")),
    );
  };
  if (!open && place?.store) {
    return (
      <section class="card place" aria-label="Delivery location">
        <p>
          Delivering to <strong>{place.label}</strong> from {place.store.name} ({place.distanceKm.toFixed(1)} km),
          in {place.eta.min}–{place.eta.max} min.
        </p>
        <button type="button" class="link" onClick={() => setOpen(true)}>Change</button>
      </section>
    );
  }
  return (
    <section class="card stack" aria-labelledby="where-title">
      <h2 id="where-title">Where should we deliver?</h2>
      {(config.places || []).length > 0 && (
        <div class="chips">
          {config.places.map((p) => (
            <button type="button" class="chip" key={p.label} disabled={check.busy} onClick={() => check.run(p.label, p.lat, p.lng)}>
              {p.label}
            </button>
          ))}
        </div>
      )}
      {"geolocation" in navigator && (
        <button type="button" class="secondary" onClick={locate} disabled={check.busy}>Use my current location</button>
      )}
      <form class="row" onSubmit={(e) => { e.preventDefault(); check.run("Pinned location", Number(lat), Number(lng)); }}>
        <label>
          Latitude
          <input inputmode="decimal" required value={lat} onInput={(e) => setLat(e.currentTarget.value)} />
        </label>
        <label>
          Longitude
          <input inputmode="decimal" required value={lng} onInput={(e) => setLng(e.currentTarget.value)} />
        </label>
        <button type="submit" class="secondary" disabled={check.busy}>Check</button>
      </form>
      {check.busy && <p role="status">Finding the nearest store…</p>}
      <Problem error={check.error || denied} />
    </section>
  );
}
