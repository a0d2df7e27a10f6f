// The cart as the API answers it: each line with its current price and the API's warnings, the subtotal,
// and the way to checkout.
import { useEffect } from "preact/hooks";
import { useApp } from "../app.js";
import { Empty, Loading, Problem } from "../components/feedback.jsx";
import { Layout } from "../components/layout.jsx";
import { Stepper } from "../components/Stepper.jsx";
import { useAction } from "../hooks.js";
import { rupees } from "../money.js";

// The cart's warnings (functions/cart/schemas.py `Warning`) in words.
const WARNINGS = {
  price_changed: (line) => `The price changed since you added it (was ${rupees(line.price_at_add)}).`,
  out_of_stock: () => "Out of stock: remove it to check out.",
  quantity_above_available: (line) => `Only ${line.available} available: lower the quantity.`,
  unavailable: () => "No longer sold here: remove it to check out.",
  above_max_per_order: (line) => `At most ${line.max_per_order} per order: lower the quantity.`,
};

export function Cart() {
  const { cart, cartError, reloadCart } = useApp();
  useEffect(() => {
    reloadCart(); // prices, stock and warnings as they are now
  }, []);
  return (
    <Layout title="Your cart">
      {!cart && !cartError && <Loading label="Loading your cart…" />}
      <Problem error={cartError} onRetry={reloadCart} />
      {cart && (cart.items.length === 0 ? (
        <Empty>
          Your cart is empty. <a href="#/">Start shopping</a>
        </Empty>
      ) : (
        <>
          {cart.degraded && (
            <p class="notice" role="status">Prices are from when you added the items: the catalog is not answering.</p>
          )}
          <ul class="lines">
            {cart.items.map((line) => <CartLine key={line.product_id} line={line} />)}
          </ul>
          <p class="total">
            Subtotal ({cart.item_count} items) <strong>{rupees(cart.subtotal)}</strong>
          </p>
          <a class="button primary" href="#/checkout">Continue to checkout</a>
        </>
      ))}
    </Layout>
  );
}

function CartLine({ line }) {
  const { setQuantity } = useApp();
  const change = useAction((quantity) => setQuantity(line, quantity));
  return (
    <li class="line">
      <div>
        <p class="name">{line.name || line.product_id}</p>
        <p class="unit">{line.unit} · {rupees(line.price)} each</p>
        {line.warnings.map((w) => (
          <p class="warning" key={w}>{(WARNINGS[w] || (() => w))(line)}</p>
        ))}
      </div>
      <Stepper name={line.name} quantity={line.quantity} busy={change.busy} onChange={change.run} />
      <p class="amount">{rupees(line.line_total)}</p>
      <Problem error={change.error} />
    </li>
  );
}
