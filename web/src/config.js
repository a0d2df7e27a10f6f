// The app's settings come from /config.json, written next to the app by whoever serves it (the local
// gateway from the running stack; scripts/publish_web.py from the stack's outputs in AWS): one build runs
// against any API and any Firebase project.
export async function loadConfig() {
  const reply = await fetch("/config.json", { cache: "no-store" });
  if (!reply.ok) throw new Error(`/config.json answered ${reply.status}`);
  const config = await reply.json();
  return {
    apiUrl: (config.apiUrl || window.location.origin).replace(/\/$/, ""),
    firebase: config.firebase || {},
    authEmulatorUrl: config.authEmulatorUrl || null, // set locally only
    places: Array.isArray(config.places) ? config.places : [], // suggested delivery places (locally: the demo stores)
    // Online payments: Razorpay's checkout.js, or (locally) the stand-in page at checkoutUrl
    checkout: config.checkout === "stand-in" ? "stand-in" : "razorpay",
    checkoutUrl: config.checkoutUrl || null,
  };
}
