// The frame of every signed-in screen: header (store and ETA, cart count), the screen, bottom navigation.
import { useApp } from "../app.js";
import { UnreadBell } from "./UnreadBell.jsx";

// The work screens a signed-in person's roles open (a person with several roles switches here).
const ROLE_LINKS = [["#/staff", "Store", ["store_staff", "admin"]], ["#/rider", "Rider", ["delivery_partner"]]];

export function Layout({ title, children }) {
  const { place, cartCount, signOut, user } = useApp();
  const roleLinks = ROLE_LINKS.filter(([, , roles]) => roles.some((r) => user?.roles?.includes(r)));
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/">
          blinkit<span>clone</span>
        </a>
        <div class="where">
          {place?.store ? (
            <>
              <strong>
                Delivery in {place.eta.min}–{place.eta.max} min
              </strong>
              <span>{place.store.name}</span>
            </>
          ) : (
            <span>Choose where to deliver</span>
          )}
        </div>
        <UnreadBell />
        <a class="cart-link" href="#/cart" aria-label={`Cart, ${cartCount} items`}>
          Cart <span class="badge">{cartCount}</span>
        </a>
      </header>
      <main id="main" aria-labelledby="screen-title">
        <h1 id="screen-title" class={title ? "" : "visually-hidden"}>{title || "Shop"}</h1>
        {children}
      </main>
      <nav class={roleLinks.length ? "bottom roles" : "bottom"} aria-label="Main">
        {roleLinks.map(([href, label]) => <a key={href} href={href}>{label}</a>)}
        <a href="#/">Shop</a>
        <a href="#/cart">Cart</a>
        <a href="#/orders">Orders</a>
        <a href="#/addresses">Addresses</a>
        {user?.roles?.includes("admin") && <a href="#/admin">Admin</a>}
        <button type="button" class="link" onClick={signOut} title={user?.phone_number || ""}>
          Sign out
        </button>
      </nav>
    </div>
  );
}
