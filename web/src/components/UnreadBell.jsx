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
      <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
        <path d="M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z" />
      </svg>
      <span class="badge" aria-hidden="true">{count.data ? shown : "…"}</span>
    </a>
  );
}
