// A product on a shelf or in search results: price, MRP and discount, stock, the per-order limit, and the
// quantity in the cart with buttons to change it.
import { useApp } from "../app.js";
import { useAction } from "../hooks.js";
import { rupees } from "../money.js";
import { Problem } from "./feedback.jsx";
import { Stepper } from "./Stepper.jsx";

function stockText(product) {
  if (product.in_stock === false || product.available === 0) return "Out of stock";
  if (typeof product.available === "number" && product.available <= 5) return `Only ${product.available} left`;
  return "In stock";
}

export function ProductCard({ product }) {
  const { cartQuantity, setQuantity } = useApp();
  const quantity = cartQuantity(product.product_id);
  const change = useAction((next) => setQuantity(product, next));
  const soldOut = product.in_stock === false || product.available === 0;
  const headingId = `p-${product.product_id}`;
  return (
    <article class="product" aria-labelledby={headingId}>
      {product.discount_percent > 0 && <span class="off">{product.discount_percent}% OFF</span>}
      <div class="thumb" aria-hidden="true">{(product.name || "?").slice(0, 1)}</div>
      <h3 id={headingId}>{product.name}</h3>
      <p class="unit">
        {product.brand} · {product.unit}
      </p>
      <p class={soldOut ? "stock out" : "stock"}>{stockText(product)}</p>
      {product.max_per_order && <p class="limit">Max {product.max_per_order} per order</p>}
      <div class="buy">
        <p class="price">
          <strong>{rupees(product.price)}</strong>
          {product.mrp > product.price && (
            <s>
              <span class="visually-hidden">MRP </span>
              {rupees(product.mrp)}
            </s>
          )}
        </p>
        {quantity > 0 ? (
          <Stepper name={product.name} quantity={quantity} busy={change.busy} onChange={change.run} />
        ) : (
          <button type="button" class="add" disabled={soldOut || change.busy} aria-label={`Add ${product.name}`}
            onClick={() => change.run(1)}>
            {change.busy ? "Adding…" : "Add"}
          </button>
        )}
      </div>
      <Problem error={change.error} />
    </article>
  );
}

export function ProductGrid({ products }) {
  return (
    <div class="grid">
      {products.map((product) => (
        <ProductCard key={product.product_id} product={product} />
      ))}
    </div>
  );
}
