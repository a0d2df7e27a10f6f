// What a customer can do from an order's screen: pay an online order while the saga waits for the money
// (Razorpay Checkout, then POST /payments/verify with its answer), and order the same items again.
import { useEffect, useState } from "preact/hooks";
import { useApp } from "../app.js";
import { Loading, Problem } from "../components/feedback.jsx";
import { useAction } from "../hooks.js";
import { rupees } from "../money.js";
import { checkoutAnswer, openCheckout } from "../payment.js";
import { currentPath } from "../router.js";

function clock(iso) {
  return new Date(iso).toLocaleTimeString("en-IN", { hour: "numeric", minute: "2-digit" });
}

/** The answer Checkout's stand-in page put in this route's query, read once; the query is then dropped so a
 * reload does not send it again. */
function useReturnedAnswer(orderId) {
  const [answer] = useState(() => {
    const query = new URLSearchParams(currentPath().split("?")[1] || "");
    return checkoutAnswer(query);
  });
  useEffect(() => {
    if (answer) window.history.replaceState(null, "", `#/orders/${encodeURIComponent(orderId)}`);
  }, []);
  return answer;
}

/** An online order still PENDING: pay it (or see that the payment is being prepared or confirmed). */
export function PaymentPanel({ order, onChanged }) {
  const { api, config } = useApp();
  const returned = useReturnedAnswer(order.order_id);
  const [failed, setFailed] = useState(returned?.failed || null);
  const verify = useAction(async (answer) => {
    setFailed(null);
    await api.post("/payments/verify", { order_id: order.order_id, ...answer });
    onChanged();
  });
  useEffect(() => {
    if (returned?.paid) verify.run(returned.paid);
  }, []);
  const open = useAction(() => openCheckout(config, order, {
    onPaid: verify.run, onFailed: setFailed, onClosed: () => {},
  }));
  const payment = order.payment;
  if (!payment) return <Loading label="Preparing your payment…" />;
  return (
    <section class="card pay" aria-labelledby="pay-title">
      <h2 id="pay-title">Payment</h2>
      {verify.busy && <Loading label="Confirming your payment…" />}
      {!verify.busy && !verify.error && returned?.paid && (
        <p role="status">Payment received. Confirming your order…</p>
      )}
      {failed && (
        <p class="problem" role="alert">
          The payment did not go through: {failed}. You can try again until {clock(payment.expires_at)}.
        </p>
      )}
      <Problem error={verify.error} />
      <Problem error={open.error} />
      {!returned?.paid && (
        <>
          <p>Pay {rupees(payment.amount)} before {clock(payment.expires_at)} to place your order.</p>
          <button type="button" class="primary wide" disabled={open.busy || verify.busy} onClick={open.run}>
            {open.busy ? "Opening Razorpay…" : `Pay ${rupees(payment.amount)}`}
          </button>
        </>
      )}
    </section>
  );
}

/** Fills the cart with the order's lines, one call each, and says which could not be added and why. */
export function OrderAgain({ order }) {
  const { api, reloadCart } = useApp();
  const [result, setResult] = useState(null);
  const [otherStore, setOtherStore] = useState(false);
  const again = useAction(async (replace) => {
    setResult(null);
    setOtherStore(false);
    const added = [];
    const missed = [];
    for (const [index, item] of order.items.entries()) {
      const body = { store_id: order.store_id, product_id: item.product_id, quantity: item.quantity };
      if (replace && index === 0) body.replace_cart = true;
      try {
        await api.post("/cart/items", body);
        added.push(item);
      } catch (problem) {
        if (problem.code === "different-store" && added.length === 0) {
          setOtherStore(true); // ask before emptying a cart from another store
          return;
        }
        missed.push({ item, words: problem.message });
      }
    }
    await reloadCart();
    setResult({ added, missed });
  });
  return (
    <section aria-labelledby="again-title">
      <h2 id="again-title" class="visually-hidden">Order again</h2>
      <button type="button" class="secondary wide" disabled={again.busy} onClick={() => again.run(false)}>
        {again.busy ? "Adding to your cart…" : "Order again"}
      </button>
      {otherStore && (
        <div class="notice" role="alert">
          <p>Your cart has items from another store. Replace them with this order's items?</p>
          <button type="button" onClick={() => again.run(true)} disabled={again.busy}>Replace my cart</button>
        </div>
      )}
      <Problem error={again.error} />
      {result && (
        <div class="again" role="status">
          {result.added.length > 0 && (
            <p>Added {result.added.length} of {order.items.length} items to your cart. <a href="#/cart">Go to cart</a></p>
          )}
          {result.missed.length > 0 && (
            <>
              <p>Could not be added:</p>
              <ul class="missed">
                {result.missed.map(({ item, words }) => (
                  <li key={item.product_id}><strong>{item.name}</strong>: {words}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
