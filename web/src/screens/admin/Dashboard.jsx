// Today at a glance (`GET /admin/dashboard`): orders by status, why orders failed, revenue, and the money
// going back for cancelled online orders. Refreshed on demand.
import { useApp } from "../../app.js";
import { Loading, Problem } from "../../components/feedback.jsx";
import { useLoad } from "../../hooks.js";
import { rupees } from "../../money.js";
import { AdminLayout } from "./AdminLayout.jsx";

const STATUS_WORDS = {
  PENDING: "Being placed", PLACED: "Placed", CONFIRMED: "Confirmed", PACKED: "Packed",
  OUT_FOR_DELIVERY: "Out for delivery", ARRIVED: "Rider arrived", DELIVERED: "Delivered",
  CANCELLED: "Cancelled", FAILED: "Failed",
};
const REASON_WORDS = {
  OUT_OF_STOCK: "Out of stock", PAYMENT_FAILED: "Payment failed", PAYMENT_TIMEOUT: "Payment not completed in time",
  COUPON_NOT_APPLICABLE: "Coupon not applicable", COUPON_UNAVAILABLE: "Coupon no longer available",
  CART_EMPTY: "Cart empty", BELOW_MINIMUM: "Below the minimum order",
};

export function AdminDashboard() {
  const { api } = useApp();
  const today = useLoad(() => api.get("/admin/dashboard"), []);
  const data = today.data;
  return (
    <AdminLayout title="Today">
      <button type="button" onClick={today.reload} disabled={today.loading}>{today.loading ? "Refreshing…" : "Refresh"}</button>
      {today.loading && !data && <Loading label="Counting today's orders…" />}
      <Problem error={today.error} onRetry={today.reload} />
      {data && (
        <>
          <p class="hint">
            {data.date} ({data.timezone}){data.truncated ? ` · counted up to ${data.cap} orders per status` : ""}
          </p>
          <div class="tiles">
            <p class="tile"><span>Orders</span><strong data-testid="orders-today">{data.total_orders}</strong></p>
            <p class="tile"><span>Revenue</span><strong>{rupees(data.revenue)}</strong></p>
            <p class="tile"><span>Refunds (cancelled online)</span>
              <strong>{rupees(data.refunds.cancelled_online_total)}</strong>
              <span>{data.refunds.cancelled_online_orders} orders</span></p>
          </div>
          <h2>Orders by status</h2>
          <table class="admin-table">
            <caption class="visually-hidden">Today's orders by status</caption>
            <tbody>
              {Object.entries(data.by_status).map(([status, n]) => (
                <tr key={status} data-status={status}>
                  <th scope="row">{STATUS_WORDS[status] || status}</th>
                  <td>{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Why orders failed</h2>
          {Object.keys(data.failure_reasons).length ? (
            <table class="admin-table">
              <caption class="visually-hidden">Failure reasons</caption>
              <tbody>
                {Object.entries(data.failure_reasons).map(([reason, n]) => (
                  <tr key={reason} data-reason={reason}>
                    <th scope="row">{REASON_WORDS[reason] || reason}</th>
                    <td>{n}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <p class="empty">No failed orders today.</p>}
          <p class="hint">{data.refunds.note}</p>
        </>
      )}
    </AdminLayout>
  );
}
