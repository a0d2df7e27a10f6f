// Every amount in the API is integer paise; this is the one place that turns paise into rupees for people.
const WHOLE = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR", maximumFractionDigits: 0 });
const EXACT = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR", minimumFractionDigits: 2 });

/** 4900 → "₹49", 4950 → "₹49.50", -2000 → "-₹20". */
export function rupees(paise) {
  if (typeof paise !== "number" || !Number.isFinite(paise)) return "—";
  return (paise % 100 === 0 ? WHOLE : EXACT).format(paise / 100);
}
