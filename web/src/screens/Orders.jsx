// One order as a timeline (polled while it moves), and the order history.
import { useEffect } from "preact/hooks";
import { useApp } from "../app.js";
import { Empty, Loading, Problem } from "../components/feedback.jsx";
import { Layout } from "../components/layout.jsx";
import { useLoad } from "../hooks.js";
import { rupees } from "../money.js";
import { Bill } from "./Checkout.jsx";
import { LiveTracking } from "./Tracking.jsx";
import { OrderAgain, PaymentPanel } from "./OrderActions.jsx";

const POLL_MS = 2000;
const FINAL = new Set(["DELIVERED", "CANCELLED", "FAILED"]);
const TRACKED = new Set(["OUT_FOR_DELIVERY", "ARRIVED"]); // the rider is on the map
// The statuses an order goes through, in order (the lifecycle in functions/orders/lifecycle.py).
const STEPS = ["PENDING", "PLACED", "CONFIRMED", "PACKED", "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED"];
const WORDS = {
  PENDING: "Checking stock and price", PLACED: "Order placed", CONFIRMED: "Confirmed by the store",
  PACKED: "Packed", OUT_FOR_DELIVERY: "On the way", ARRIVED: "Rider has arrived", DELIVERED: "Delivered",
  CANCELLED: "Cancelled", FAILED: "Could not be placed",
};
const REASONS = {
  OUT_OF_STOCK: "Some items went out of stock.", PAYMENT_FAILED: "The payment did not go through.",
  PAYMENT_TIMEOUT: "The payment was not completed in time.",
};
// Reasons whose detail carries the words to show (a coupon the saga refused: `{code, words}`).
const REASONS_WITH_WORDS = {
  COUPON_NOT_APPLICABLE: (d) => `Your coupon ${d.code} could not be used: ${d.words}`,
  COUPON_UNAVAILABLE: (d) => `Your coupon ${d.code} is no longer available: ${d.words}`,
};

function reasonWords(order) {
  const worded = REASONS_WITH_WORDS[order.reason];
  if (worded && order.reason_detail?.words) return worded(order.reason_detail);
  return REASONS[order.reason] || order.reason;
}

function when(iso) {
  return new Date(iso).toLocaleTimeString("en-IN", { hour: "numeric", minute: "2-digit" });
}

export function OrderStatus({ orderId }) {
  const { api, reloadCart } = useApp();
  const order = useLoad(() => api.get(`/orders/${encodeURIComponent(orderId)}`), [orderId]);
  const status = order.data?.status;
  useEffect(() => {
    if (status && status !== "PENDING") reloadCart(); // a placed order emptied the cart
  }, [status]);
  useEffect(() => {
    if (!status || FINAL.has(status)) return undefined;
    const timer = setTimeout(order.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [status, order.data]);
  return (
    <Layout title="Order status">
      {!order.data && order.loading && <Loading label="Loading your order…" />}
      <Problem error={order.error} onRetry={order.reload} />
      {order.data && <OrderDetail order={order.data} onChanged={order.reload} />}
    </Layout>
  );
}

function OrderDetail({ order, onChanged }) {
  const reached = new Map(order.status_history.map((h) => [h.status, h.at]));
  const steps = FINAL.has(order.status) && !STEPS.includes(order.status)
    ? [...order.status_history.map((h) => h.status)]
    : STEPS;
  return (
    <>
      <p class="order-id">Order <code>{order.order_id}</code></p>
      <p class="status-now" role="status" aria-live="polite" data-status={order.status}>
        {WORDS[order.status] || order.status}
      </p>
      {order.reason && <p class="warning" data-reason={order.reason}>{reasonWords(order)}</p>}
      {order.status === "PENDING" && order.payment_method === "online" && (
        <PaymentPanel order={order} onChanged={onChanged} />
      )}
      {order.eta_minutes && !FINAL.has(order.status) && (
        <p>Arriving in {order.eta_minutes.min}–{order.eta_minutes.max} min</p>
      )}
      {order.delivery_otp && !FINAL.has(order.status) && (
        <p class="otp">Share this code with your rider: <strong>{order.delivery_otp}</strong></p>
      )}
      {TRACKED.has(order.status) && <LiveTracking order={order} />}
      <ol class="timeline">
        {steps.map((step) => (
          <li key={step} class={reached.has(step) ? "done" : ""}>
            <span>{WORDS[step] || step}</span>
            {reached.has(step) ? <time dateTime={reached.get(step)}>{when(reached.get(step))}</time>
              : <span class="visually-hidden">(not yet)</span>}
          </li>
        ))}
      </ol>
      <h2>Items</h2>
      <ul class="lines compact">
        {order.items.map((item) => (
          <li key={item.product_id} class="line">
            <span>{item.quantity} × {item.name}</span>
            <span class="amount">{rupees(item.line_total ?? item.price * item.quantity)}</span>
          </li>
        ))}
      </ul>
      {order.bill.length > 0 && <Bill quote={order} />}
      <p class="pay-with">Payment: {order.payment_method === "cod" ? "Cash on delivery" : "Online"}</p>
      {order.status !== "PENDING" && order.items.length > 0 && <OrderAgain order={order} />}
    </>
  );
}

export function OrderHistory() {
  const { api } = useApp();
  const page = useLoad(() => api.get("/orders", { limit: 20 }), []);
  return (
    <Layout title="Your orders">
      {page.loading && <Loading label="Loading your orders…" />}
      <Problem error={page.error} onRetry={page.reload} />
      {page.data && (page.data.orders.length ? (
        <ul class="orders">
          {page.data.orders.map((o) => (
            <li key={o.order_id} class="card">
              <a href={`#/orders/${o.order_id}`}>
                <strong>{WORDS[o.status] || o.status}</strong>
                <span>{new Date(o.created_at).toLocaleString("en-IN", { dateStyle: "medium", timeStyle: "short" })}</span>
                <span>{o.item_count} items · {rupees(o.total)}</span>
              </a>
            </li>
          ))}
        </ul>
      ) : <Empty>No orders yet. <a href="#/">Start shopping</a></Empty>)}
    </Layout>
  );
}
