// The rider: online/offline, the current assignment (polled), pickup, "drive" (locally: simulated GPS fixes
// along the straight line from the store to the door, one a little over a second apart because the location
// route takes at most one a second, as `python -m local ride` does), and deliver with the customer's OTP.
import { useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../../app.js";
import { Loading, Problem } from "../../components/feedback.jsx";
import { Layout } from "../../components/layout.jsx";
import { useAction, useLoad } from "../../hooks.js";

const POLL_MS = 3000;
const FIX_GAP_MS = 1100; // the API accepts one fix a second per rider
const DRIVE_STEPS = 8;

/** `steps + 1` evenly spaced points from `a` to `b`, both included (local/ride.py's waypoints). */
export function waypoints(a, b, steps) {
  return Array.from({ length: steps + 1 }, (_, i) => ({
    lat: +(a.lat + ((b.lat - a.lat) * i) / steps).toFixed(6),
    lng: +(a.lng + ((b.lng - a.lng) * i) / steps).toFixed(6),
  }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function Rider() {
  const { api } = useApp();
  const me = useLoad(() => api.get("/delivery/partners/me"), []);
  const online = me.data && me.data.status !== "offline";
  const toggle = useAction(async () => {
    me.setData(await api.patch("/delivery/partners/me/status", { status: online ? "offline" : "available" }));
  });
  return (
    <Layout title="Rider">
      {me.loading && !me.data && <Loading label="Loading your rider profile…" />}
      <Problem error={me.error} onRetry={me.reload} />
      {me.data && (
        <div class="card stack">
          <p>
            <strong>{me.data.name}</strong> · {me.data.vehicle}
          </p>
          <p class="rider-status" role="status" data-status={me.data.status}>
            You are <strong>{me.data.status === "offline" ? "offline" : me.data.status === "busy" ? "on a delivery" : "online"}</strong>
          </p>
          {me.data.status !== "busy" && (
            <button type="button" class={online ? "secondary" : "primary"} disabled={toggle.busy} onClick={toggle.run}>
              {toggle.busy ? "Saving…" : online ? "Go offline" : "Go online"}
            </button>
          )}
          <Problem error={toggle.error} />
        </div>
      )}
      {online && <Assignment onDone={me.reload} />}
    </Layout>
  );
}

function Assignment({ onDone }) {
  const { api } = useApp();
  const job = useLoad(async () => {
    try {
      return await api.get("/delivery/partners/me/assignment");
    } catch (error) {
      if (error.status === 404) return null; // nothing assigned yet
      throw error;
    }
  }, []);
  const [delivered, setDelivered] = useState(null);
  const waiting = !job.data && !job.error;
  const assigned = job.data?.order_id;
  useEffect(() => {
    if (assigned) onDone(); // the rider is busy now: their status line says so
  }, [assigned]);
  useEffect(() => {
    if (!waiting) return undefined;
    const timer = setTimeout(job.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [waiting, job.loading]);
  if (delivered) {
    return (
      <div class="card stack">
        <p class="status-now" role="status">Delivered {delivered.slice(-6)}</p>
        <button type="button" class="primary" onClick={() => { setDelivered(null); job.reload(); onDone(); }}>
          Next order
        </button>
      </div>
    );
  }
  return (
    <section class="card stack" aria-labelledby="job-title">
      <h2 id="job-title">Your delivery</h2>
      {job.loading && <Loading label={job.data ? "Checking…" : "Waiting for an order…"} />}
      <Problem error={job.error} onRetry={job.reload} />
      {job.data && <Job job={job.data} reload={job.reload} onDelivered={(id) => { setDelivered(id); onDone(); }} />}
      {!job.data && !job.loading && !job.error && <p class="hint">No order yet: this screen checks every few seconds.</p>}
    </section>
  );
}

function Job({ job, reload, onDelivered }) {
  const { api } = useApp();
  const [otp, setOtp] = useState("");
  const [sent, setSent] = useState(null);
  const stop = useRef(false);
  useEffect(() => () => { stop.current = true; }, []);
  const pickup = useAction(async () => {
    await api.post(`/delivery/orders/${job.order_id}/pickup`);
    await reload();
  });
  const drive = useAction(async () => {
    const path = waypoints(job.pickup, job.drop, DRIVE_STEPS);
    for (let i = 0; i < path.length && !stop.current; i += 1) {
      const fix = { ...path[i], accuracy_m: 5, speed_kmph: 22, recorded_at: new Date().toISOString() };
      const answer = await api.post("/delivery/partners/me/location", fix);
      setSent({ done: i + 1, of: path.length, eta: answer.eta_minutes });
      if (i < path.length - 1) await sleep(FIX_GAP_MS);
    }
    await reload();
  });
  const deliver = useAction(async (event) => {
    event.preventDefault();
    if (!/^\d{4}$/.test(otp.trim())) throw new Error("The delivery code is the 4 digits the customer reads out.");
    await api.post(`/delivery/orders/${job.order_id}/deliver`, { otp: otp.trim() });
    onDelivered(job.order_id);
  });
  const picked = job.status !== "PACKED";
  return (
    <>
      <p class="job-status" data-status={job.status}>
        Order <code>{job.order_id.slice(-6)}</code>: <strong>{picked ? "on the way" : "ready at the store"}</strong>
        {job.eta_minutes != null && <> · ETA {job.eta_minutes} min</>}
      </p>
      <p><span class="hint">Pick up at</span> {job.pickup.name || "the store"}</p>
      <p><span class="hint">Deliver to</span> {job.drop.address}</p>
      {!picked && (
        <button type="button" class="primary" disabled={pickup.busy} onClick={pickup.run}>
          {pickup.busy ? "Picking up…" : "Picked up"}
        </button>
      )}
      <Problem error={pickup.error} />
      {picked && (
        <>
          <button type="button" class="secondary" disabled={drive.busy} onClick={drive.run}>
            {drive.busy ? "Driving…" : "Drive to the customer"}
          </button>
          {sent && (
            <p class="hint" role="status">
              GPS fix {sent.done} of {sent.of} sent{sent.eta != null ? `, ETA ${sent.eta} min` : ""}
            </p>
          )}
          <Problem error={drive.error} />
          <form class="stack" onSubmit={deliver.run}>
            <label for="delivery-otp">Code from the customer</label>
            <input id="delivery-otp" inputmode="numeric" autocomplete="off" maxlength={4} value={otp}
              onInput={(e) => setOtp(e.currentTarget.value)} />
            <button type="submit" class="primary" disabled={deliver.busy}>
              {deliver.busy ? "Delivering…" : "Deliver"}
            </button>
            <Problem error={deliver.error} />
          </form>
        </>
      )}
    </>
  );
}
