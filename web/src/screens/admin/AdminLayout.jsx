// The frame of the admin screens (role `admin`): their own navigation, a way back to the shop, and a
// refusal in words for a signed-in person without the role (the API would refuse them too).
import { useApp } from "../../app.js";

const LINKS = [
  ["#/admin", "Dashboard"], ["#/admin/coupons", "Coupons"], ["#/admin/surge", "Surge"],
  ["#/admin/partners", "Partners"], ["#/admin/roles", "Roles"],
];

export function isAdmin(user) {
  return Array.isArray(user?.roles) && user.roles.includes("admin");
}

export function AdminLayout({ title, children }) {
  const { user, signOut } = useApp();
  return (
    <div class="shell admin">
      <header class="top">
        <a class="brand" href="#/admin">
          blinkit<span>admin</span>
        </a>
        <a class="switch" href="#/">Shop as a customer</a>
      </header>
      <nav class="admin-nav" aria-label="Admin">
        {LINKS.map(([href, label]) => <a key={href} href={href}>{label}</a>)}
        <button type="button" class="link" onClick={signOut} title={user?.phone_number || ""}>Sign out</button>
      </nav>
      <main id="main" aria-labelledby="screen-title">
        <h1 id="screen-title">{title}</h1>
        {isAdmin(user) ? children : (
          <p class="problem" role="alert">This page is for admins. <a href="#/">Back to the shop</a></p>
        )}
      </main>
    </div>
  );
}
