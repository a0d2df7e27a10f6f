// Online payment: opening Razorpay Checkout for an order's `payment` object (what `GET /orders/{id}` answers
// while the saga waits for the money). /config.json says which Checkout: `razorpay` (AWS) loads Razorpay's
// checkout.js only now, when someone pays, and hands its answer to `onPaid`; `stand-in` (the local stack) goes
// to the stand-in page (local/checkout_page.py), which comes back to the order's route with the same answer in
// the route's query (see `checkoutAnswer`). Either way the app then sends the answer to POST /payments/verify.

const CHECKOUT_JS = "https://checkout.razorpay.com/v1/checkout.js";
const ANSWER_KEYS = ["razorpay_order_id", "razorpay_payment_id", "razorpay_signature"];
let loading = null;

function loadCheckoutJs() {
  if (window.Razorpay) return Promise.resolve(window.Razorpay);
  loading = loading || new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = CHECKOUT_JS;
    script.async = true;
    script.onload = () => resolve(window.Razorpay);
    script.onerror = () => {
      loading = null;
      reject(new Error("Razorpay Checkout could not be loaded. Check your connection and try again."));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/** Opens Checkout for `order` (with its `payment`). Razorpay's: `onPaid(answer)` or `onFailed(words)`. */
export async function openCheckout(config, order, { onPaid, onFailed, onClosed }) {
  const { payment } = order;
  if (config.checkout === "stand-in") {
    const query = new URLSearchParams({ order_id: order.order_id, razorpay_order_id: payment.razorpay_order_id });
    window.location.assign(`${config.checkoutUrl}?${query}`);
    return;
  }
  const Razorpay = await loadCheckoutJs();
  const checkout = new Razorpay({
    key: payment.key_id, order_id: payment.razorpay_order_id, amount: payment.amount, currency: payment.currency,
    name: "Blinkit Clone", description: `Order ${order.order_id}`,
    handler: (answer) => onPaid(Object.fromEntries(ANSWER_KEYS.map((k) => [k, answer[k]]))),
    modal: { ondismiss: onClosed },
  });
  checkout.on("payment.failed", (reply) => onFailed(reply?.error?.description || "The payment did not go through."));
  checkout.open();
}

/** What the stand-in page handed back in the route's query: {paid: answer} | {failed: words} | null. */
export function checkoutAnswer(query) {
  if (query.get("payment") === "failed") return { failed: query.get("reason") || "The payment did not go through." };
  if (ANSWER_KEYS.every((k) => query.get(k))) return { paid: Object.fromEntries(ANSWER_KEYS.map((k) => [k, query.get(k)])) };
  return null;
}
