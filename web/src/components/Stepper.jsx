// − quantity + for one product (a card on the shelf, a cart line): real buttons with names that say what
// they do, the quantity announced as it changes.
export function Stepper({ name, quantity, busy, onChange }) {
  return (
    <div class="stepper" role="group" aria-label={`Quantity of ${name}`}>
      <button type="button" aria-label={`Remove one ${name}`} disabled={busy} onClick={() => onChange(quantity - 1)}>
        −
      </button>
      <output aria-live="polite">{busy ? "…" : quantity}</output>
      <button type="button" aria-label={`Add one more ${name}`} disabled={busy} onClick={() => onChange(quantity + 1)}>
        +
      </button>
    </div>
  );
}
