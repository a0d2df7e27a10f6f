// The customer app: loads /config.json, starts Firebase, keeps the session and the chosen place, and shows
// the screen the hash route names. Signed out, every route shows sign-in, and the route is resumed after it.
import "../styles.css";
import { render } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { createApi } from "./api.js";
import { AppContext } from "./app.js";
import { loadConfig } from "./config.js";
import { Loading, Problem } from "./components/feedback.jsx";
import { forgetFirebaseUser, startFirebase } from "./firebase.js";
import { currentPath, matchRoute, navigate, usePath } from "./router.js";
import { Addresses } from "./screens/Addresses.jsx";
import { Cart } from "./screens/Cart.jsx";
import { Checkout } from "./screens/Checkout.jsx";
import { Home } from "./screens/Home.jsx";
import { OrderHistory, OrderStatus } from "./screens/Orders.jsx";
import { SignIn } from "./screens/SignIn.jsx";
// web-ops: store staff, rider, notifications
import { Inbox } from "./screens/notifications/Inbox.jsx";
import { Rider } from "./screens/rider/Rider.jsx";
import { StaffConsole } from "./screens/staff/StaffConsole.jsx";
import { AdminCouponEdit, AdminCoupons } from "./screens/admin/Coupons.jsx";
import { AdminDashboard } from "./screens/admin/Dashboard.jsx";
import { AdminLayout, isAdmin } from "./screens/admin/AdminLayout.jsx";
import { AdminPartners } from "./screens/admin/Partners.jsx";
import { AdminRoles } from "./screens/admin/Roles.jsx";
import { AdminSurge } from "./screens/admin/Surge.jsx";
import { saved } from "./storage.js";

// Adding a screen: a route here and a case in Screen below.
const ROUTES = [
  ["/", "home"],
  ["/cart", "cart"],
  ["/checkout", "checkout"],
  ["/addresses", "addresses"],
  ["/orders", "orders"],
  ["/orders/:order_id", "order"],
  // web-ops: store staff, rider, notifications
  ["/staff", "staff"],
  ["/rider", "rider"],
  ["/notifications", "notifications"],
  // admin (role `admin`): web/src/screens/admin/
  ["/admin", "admin-dashboard"],
  ["/admin/coupons", "admin-coupons"],
  ["/admin/coupons/new", "admin-coupon-new"],
  ["/admin/coupons/:code", "admin-coupon"],
  ["/admin/surge", "admin-surge"],
  ["/admin/partners", "admin-partners"],
  ["/admin/roles", "admin-roles"],
];

function Screen({ route, user }) {
  // A person without the admin role gets the admin frame's refusal and nothing else: the screen itself would
  // start loading admin data the API refuses (a 403 in the console for nothing).
  if (route?.name?.startsWith("admin-") && !isAdmin(user)) return <AdminLayout title="Admin" />;
  switch (route?.name) {
    case "home": return <Home />;
    case "cart": return <Cart />;
    case "checkout": return <Checkout />;
    case "addresses": return <Addresses />;
    case "orders": return <OrderHistory />;
    case "order": return <OrderStatus orderId={route.params.order_id} />;
    // web-ops: store staff, rider, notifications
    case "staff": return <StaffConsole />;
    case "rider": return <Rider />;
    case "notifications": return <Inbox />;
    // admin
    case "admin-dashboard": return <AdminDashboard />;
    case "admin-coupons": return <AdminCoupons />;
    case "admin-coupon-new": return <AdminCouponEdit />;
    case "admin-coupon": return <AdminCouponEdit code={route.params.code} />;
    case "admin-surge": return <AdminSurge />;
    case "admin-partners": return <AdminPartners />;
    case "admin-roles": return <AdminRoles />;
    default: return <NotFound />;
  }
}

/** Where a sign-in lands: the work screen of staff and riders, the shop for everyone else. */
function homeOf(user) {
  const roles = user?.roles || [];
  if (roles.includes("customer") || roles.includes("admin")) return "/";
  if (roles.includes("store_staff")) return "/staff";
  if (roles.includes("delivery_partner")) return "/rider";
  return "/";
}

function NotFound() {
  return (
    <main class="signin">
      <h1>Page not found</h1>
      <a href="#/">Back to the shop</a>
    </main>
  );
}

function App({ config }) {
  const [session, setSession] = useState(saved.session());
  const [notice, setNotice] = useState(null);
  const [place, setPlace] = useState(saved.place());
  const [cart, setCart] = useState(null);
  const [cartError, setCartError] = useState(null);
  const path = usePath();

  const endSession = useCallback((words) => {
    saved.setSession(null);
    saved.setReturnTo(currentPath());
    setSession(null);
    setCart(null);
    setNotice(words);
  }, []);
  const api = useMemo(() => createApi({
    baseUrl: config.apiUrl,
    getToken: () => saved.session()?.token || null,
    // A 401 on a signed-in call: the session expired or was revoked. The cart stays on the server.
    onSessionEnded: () => endSession("Your session has ended. Sign in again: your cart is kept."),
  }), [config]);

  const reloadCart = useCallback(async () => {
    setCartError(null);
    try {
      setCart(await api.get("/cart"));
    } catch (error) {
      setCartError(error);
    }
  }, [api]);
  useEffect(() => {
    if (session) reloadCart();
  }, [session]);

  const context = {
    config, api, place, cart, cartError, reloadCart,
    user: session?.user || null,
    cartCount: cart?.item_count || 0,
    cartQuantity: (productId) => cart?.items.find((line) => line.product_id === productId)?.quantity || 0,
    async setQuantity(product, quantity) {
      const inCart = cart?.items.some((line) => line.product_id === product.product_id);
      if (!inCart) {
        await api.post("/cart/items", { store_id: place.store.store_id, product_id: product.product_id, quantity });
      } else {
        await api.put(`/cart/items/${product.product_id}`, { quantity });
      }
      await reloadCart();
    },
    choosePlace(next) {
      saved.setPlace(next);
      setPlace(next);
    },
    startSession(login) {
      const next = { token: login.session_token, user: login.user, expiresAt: login.expires_at };
      saved.setSession(next);
      setSession(next);
      setNotice(null);
      forgetFirebaseUser();
      const back = saved.returnTo();
      saved.setReturnTo(null);
      navigate(back || homeOf(login.user));
    },
    async signOut() {
      try {
        await api.post("/auth/logout");
      } catch {
        // Signing out locally is what matters; the session expires on the server anyway.
      }
      endSession(null);
      saved.setReturnTo(null); // a new sign-in starts at the shop
      navigate("/");
    },
  };
  return (
    <AppContext.Provider value={context}>
      {session ? <Screen route={matchRoute(ROUTES, path)} user={session.user} /> : <SignIn notice={notice} />}
    </AppContext.Provider>
  );
}

async function boot() {
  const root = document.getElementById("app");
  render(<Loading label="Loading Blinkit Clone…" />, root);
  try {
    const config = await loadConfig();
    startFirebase(config);
    root.replaceChildren();
    render(<App config={config} />, root);
  } catch (error) {
    render(<Problem error={new Error(`The app could not start: ${error.message}`)} />, root);
  }
}

boot();
