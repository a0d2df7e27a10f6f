// The header's link to the notifications inbox with the unread count, refreshed every little while and at
// once when the inbox marks something read (it sends UNREAD_CHANGED).
import { useEffect } from "preact/hooks";
import { useApp } from "../app.js";
import { useLoad } from "../hooks.js";

export const UNREAD_CHANGED = "blinkit:unread-changed";
const REFRESH_MS = 10_000;

export function UnreadBell() {
  const { api } = useApp();
  const count = useLoad(() => api.get("/notifications/unread-count"), []);
  useEffect(() => {
    const timer = setInterval(count.reload, REFRESH_MS);
    window.addEventListener(UNREAD_CHANGED, count.reload);
    return () => {
      clearInterval(timer);
      window.removeEventListener(UNREAD_CHANGED, count.reload);
    };
  }, [count.reload]);
  const unread = count.data?.unread ?? 0;
  const shown = count.data && unread >= count.data.cap ? `${count.data.cap}+` : String(unread);
  const label = count.loading && !count.data ? "Notifications, loading"
    : count.error ? "Notifications (count unavailable)" : `Notifications, ${shown} unread`;
  return (
    <a class="bell" href="#/notifications" aria-label={label} title={count.error ? count.error.message : undefined}>
      <span aria-hidden="true">Inbox</span>
      <span class="badge" aria-hidden="true">{count.data ? shown : "…"}</span>
    </a>
  );
}
