// Checkout: the address, a tip, a coupon, the quote with every bill line, then the order (cash on delivery
// or online: the order's screen then opens Razorpay Checkout) with an Idempotency-Key that stays the same
// while the order's body does, so a retry after a lost answer cannot order twice.
import { useRef, useState } from "preact/hooks";
import { useApp } from "../app.js";
import { Loading, Problem } from "../components/feedback.jsx";
import { Layout } from "../components/layout.jsx";
import { useAction, useLoad } from "../hooks.js";
import { rupees } from "../money.js";
import { navigate } from "../router.js";
import { AddressForm } from "./Addresses.jsx";
import { CouponBox } from "./Offers.jsx";

const TIPS = [0, 2000, 3000, 5000]; // paise
const PAYMENT_METHODS = [["cod", "Cash on delivery"], ["online", "Pay online (UPI, cards, netbanking)"]];

export function Checkout() {
  const { api, reloadCart } = useApp();
  const addresses = useLoad(() => api.get("/users/me/addresses"), []);
  const [addressId, setAddressId] = useState(null);
  const [tip, setTip] = useState(0);
  const [coupon, setCoupon] = useState(null);
  const [method, setMethod] = useState("cod");
  const list = addresses.data?.addresses || [];
  const chosen = addressId || list[0]?.address_id || null;
  const withCoupon = (body) => (coupon ? { ...body, coupon_code: coupon } : body);
  const quote = useLoad(
    () => (chosen ? api.post("/orders/quote", withCoupon({ address_id: chosen, tip })) : Promise.resolve(null)),
    [chosen, tip, coupon],
  );
  const idempotency = useRef({ body: "", key: "" });
  const place = useAction(async () => {
    const body = withCoupon({ address_id: chosen, payment_method: method, tip });
    const text = JSON.stringify(body);
    if (idempotency.current.body !== text) idempotency.current = { body: text, key: crypto.randomUUID() };
    const accepted = await api.post("/orders", body, { "Idempotency-Key": idempotency.current.key });
    reloadCart();
    navigate(`/orders/${accepted.order_id}`);
  });

  return (
    <Layout title="Checkout">
      <section aria-labelledby="address-title" aria-busy={addresses.loading}>
        <h2 id="address-title">Deliver to</h2>
        {addresses.loading && <Loading label="Loading addresses…" />}
        <Problem error={addresses.error} onRetry={addresses.reload} />
        {list.length > 0 && (
          <fieldset class="choices">
            <legend class="visually-hidden">Address</legend>
            {list.map((a) => (
              <label key={a.address_id} class="choice">
                <input type="radio" name="address" value={a.address_id} checked={a.address_id === chosen}
                  onChange={() => setAddressId(a.address_id)} />
                <span><strong>{a.label}</strong> {a.line1}, {a.city} {a.pincode}</span>
              </label>
            ))}
          </fieldset>
        )}
        {addresses.data && list.length === 0 && <AddressForm onAdded={(a) => { setAddressId(a.address_id); addresses.reload(); }} />}
      </section>
      <fieldset class="choices tips">
        <legend>Tip your delivery partner</legend>
        {TIPS.map((amount) => (
          <label key={amount} class={amount === tip ? "chip on" : "chip"}>
            <input type="radio" name="tip" class="visually-hidden" checked={amount === tip} onChange={() => setTip(amount)} />
            {amount ? rupees(amount) : "No tip"}
          </label>
        ))}
      </fieldset>
      {chosen && (
        <CouponBox quoteBody={{ address_id: chosen, tip }} applied={coupon} saved={quote.data?.coupon?.discount}
          onApply={setCoupon} onRemove={() => setCoupon(null)} />
      )}
      {chosen && (
        <section aria-labelledby="bill-title" aria-busy={quote.loading}>
          <h2 id="bill-title">Bill details</h2>
          {quote.loading && <Loading label="Working out your bill…" />}
          <Problem error={quote.error} onRetry={quote.reload} />
          {quote.data && !quote.loading && <Bill quote={quote.data} />}
        </section>
      )}
      {quote.data && !quote.loading && !quote.error && (
        <>
          <fieldset class="choices pay-with">
            <legend>Pay with</legend>
            {PAYMENT_METHODS.map(([value, label]) => (
              <label key={value} class="choice">
                <input type="radio" name="payment" value={value} checked={method === value}
                  onChange={() => setMethod(value)} />
                <span>{label}</span>
              </label>
            ))}
          </fieldset>
          <button type="button" class="primary wide" disabled={place.busy} onClick={place.run}>
            {place.busy ? "Placing your order…"
              : `${method === "online" ? "Place order and pay" : "Place order"} · ${rupees(quote.data.total)}`}
          </button>
        </>
      )}
      <Problem error={place.error} />
    </Layout>
  );
}

export function Bill({ quote }) {
  return (
    <table class="bill">
      <caption class="visually-hidden">Bill</caption>
      <tbody>
        {quote.bill.map((entry) => (
          <tr key={entry.code} data-code={entry.code}>
            <th scope="row">{entry.label}</th>
            <td>{rupees(entry.amount)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">To pay</th>
          <td>{rupees(quote.total)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

