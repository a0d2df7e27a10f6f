// The coupon box at checkout: a code typed or picked from the store's offers (`GET /offers`), each offer saying
// whether the cart qualifies or, in the API's words, why not ("Add ₹62 more"). Applying asks the quote with the
// code first, so a refusal is shown here in words and the bill keeps its last good answer; once accepted, the
// checkout re-quotes with it (the `coupon_discount` line) and sends it with the order.
import { useState } from "preact/hooks";
import { useApp } from "../app.js";
import { Loading, Problem } from "../components/feedback.jsx";
import { useAction, useLoad } from "../hooks.js";
import { rupees } from "../money.js";

const CODE = /^[A-Za-z0-9]{3,20}$/; // the API's coupon_code (case-insensitive)

export function CouponBox({ quoteBody, applied, saved, onApply, onRemove }) {
  const { api, cart, place } = useApp();
  const storeId = cart?.store_id || place?.store?.store_id || null;
  const offers = useLoad(
    () => (storeId ? api.get("/offers", { store_id: storeId }) : Promise.resolve(null)),
    [storeId, applied, cart?.subtotal],
  );
  const [typed, setTyped] = useState("");
  const apply = useAction(async (raw) => {
    const code = raw.trim().toUpperCase();
    if (!CODE.test(code)) throw new Error("A coupon code is 3 to 20 letters and digits.");
    await api.post("/orders/quote", { ...quoteBody, coupon_code: code }); // a refusal says why, in words
    onApply(code);
    setTyped("");
  });
  const list = offers.data?.offers || [];
  return (
    <section class="coupons" aria-labelledby="coupon-title">
      <h2 id="coupon-title">Coupons and offers</h2>
      {applied ? (
        <p class="applied" role="status">
          <span><strong>{applied}</strong> applied{saved ? ` · you save ${rupees(saved)}` : ""}</span>
          <button type="button" class="link" onClick={onRemove}>Remove coupon</button>
        </p>
      ) : (
        <form class="row" onSubmit={(e) => { e.preventDefault(); apply.run(typed); }}>
          <label>
            Coupon code
            <input name="coupon" value={typed} autocomplete="off" autocapitalize="characters" maxLength={20}
              onInput={(e) => { setTyped(e.currentTarget.value); apply.clearError(); }} />
          </label>
          <button type="submit" disabled={apply.busy || !typed.trim()}>{apply.busy ? "Checking…" : "Apply"}</button>
        </form>
      )}
      <Problem error={apply.error} />
      {offers.loading && !offers.data && <Loading label="Loading offers…" />}
      <Problem error={offers.error} onRetry={offers.reload} />
      {list.length > 0 && (
        <ul class="offers" aria-label="Offers at this store">
          {list.map((offer) => (
            <li key={offer.code} class={offer.qualifies ? "offer ok" : "offer"} data-code={offer.code}>
              <div>
                <p><strong>{offer.title}</strong> <code>{offer.code}</code></p>
                {offer.description && <p class="hint">{offer.description}</p>}
                <p class={offer.qualifies ? "gets" : "why"}>
                  {offer.qualifies ? `You save ${rupees(offer.discount)}` : offer.words}
                </p>
              </div>
              {offer.qualifies && applied !== offer.code && (
                <button type="button" disabled={apply.busy} aria-label={`Apply ${offer.code}`}
                  onClick={() => apply.run(offer.code)}>
                  Apply
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
