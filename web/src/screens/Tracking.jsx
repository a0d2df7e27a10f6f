// Live tracking on the customer's order screen while the rider is on the way: a map drawn in SVG from the
// coordinates alone (no tiles, nothing from the internet): the store, the home, the rider's path so far and
// where the rider is now, with the ETA and who the rider is. Tracking and the route are polled every 2 s.
import { useEffect } from "preact/hooks";
import { useApp } from "../app.js";
import { Loading, Problem } from "../components/feedback.jsx";
import { useLoad } from "../hooks.js";

const POLL_MS = 2000;
const WIDTH = 320;
const HEIGHT = 220;
const PAD = 24;

/** A projection of lat/lng onto the map's box: equirectangular, east-west shrunk by cos(latitude), fitted. */
export function projection(points) {
  const lats = points.map((p) => p.lat);
  const lngs = points.map((p) => p.lng);
  const mid = (Math.min(...lats) + Math.max(...lats)) / 2;
  const kx = Math.cos((mid * Math.PI) / 180);
  const minX = Math.min(...lngs) * kx, maxX = Math.max(...lngs) * kx;
  const minY = Math.min(...lats), maxY = Math.max(...lats);
  const span = Math.max(maxX - minX, maxY - minY, 1e-4);
  const scale = Math.min((WIDTH - 2 * PAD) / Math.max(maxX - minX, span / 4), (HEIGHT - 2 * PAD) / Math.max(maxY - minY, span / 4));
  const offX = (WIDTH - (maxX - minX) * scale) / 2, offY = (HEIGHT - (maxY - minY) * scale) / 2;
  return (p) => [+(offX + (p.lng * kx - minX) * scale).toFixed(1), +(HEIGHT - offY - (p.lat - minY) * scale).toFixed(1)];
}

export function LiveTracking({ order }) {
  const { api } = useApp();
  const id = encodeURIComponent(order.order_id);
  const stores = useLoad(() => api.get("/stores"), []);
  const live = useLoad(async () => {
    const [tracking, route] = await Promise.all([
      api.get(`/delivery/orders/${id}/tracking`), api.get(`/delivery/orders/${id}/route`, { limit: 1000 }),
    ]);
    return { tracking, route };
  }, [id]);
  useEffect(() => {
    const timer = setTimeout(live.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [live.data, live.error]);
  const shop = stores.data?.stores.find((s) => s.store_id === order.store_id);
  const home = order.address && typeof order.address.lat === "number" ? order.address : null;
  return (
    <section class="card tracking" aria-labelledby="tracking-title">
      <h2 id="tracking-title">Track your rider</h2>
      {!live.data && live.loading && <Loading label="Finding your rider…" />}
      <Problem error={live.error || stores.error} />
      {live.data && (
        <>
          {live.data.tracking.partner && (
            <p>
              <strong>{live.data.tracking.partner.name}</strong> · {live.data.tracking.partner.vehicle}
            </p>
          )}
          {live.data.tracking.eta_minutes != null && (
            <p class="eta" role="status">Arriving in about {live.data.tracking.eta_minutes} min</p>
          )}
          {shop && home && <RouteMap shop={shop} home={home} points={live.data.route.points}
            rider={live.data.tracking.location} />}
        </>
      )}
    </section>
  );
}

function RouteMap({ shop, home, points, rider }) {
  const all = [shop, home, ...points, ...(rider ? [rider] : [])];
  const at = projection(all);
  const [sx, sy] = at(shop);
  const [hx, hy] = at(home);
  const path = points.map((p) => at(p).join(",")).join(" ");
  const here = rider ? at(rider) : null;
  return (
    <svg class="map" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img"
      aria-label={here ? "Map: the rider between the store and your home" : "Map: the store and your home"}>
      <rect width={WIDTH} height={HEIGHT} class="map-ground" />
      <line x1={sx} y1={sy} x2={hx} y2={hy} class="map-way" />
      {points.length > 1 && <polyline points={path} class="map-path" />}
      <g class="map-store" transform={`translate(${sx} ${sy})`}>
        <rect x="-8" y="-8" width="16" height="16" rx="3" />
        <text y="-12" text-anchor="middle">Store</text>
      </g>
      <g class="map-home" transform={`translate(${hx} ${hy})`}>
        <path d="M-9 2 L0 -9 L9 2 L6 2 L6 9 L-6 9 L-6 2 Z" />
        <text y="-13" text-anchor="middle">Home</text>
      </g>
      {here && <circle class="map-rider" cx={here[0]} cy={here[1]} r="7" data-testid="rider" />}
    </svg>
  );
}
