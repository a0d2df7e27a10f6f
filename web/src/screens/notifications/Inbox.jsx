// The notifications inbox: newest first, unread ones marked, one marked read when opened, or all at once.
import { useApp } from "../../app.js";
import { Empty, Loading, Problem } from "../../components/feedback.jsx";
import { Layout } from "../../components/layout.jsx";
import { UNREAD_CHANGED } from "../../components/UnreadBell.jsx";
import { useAction, useLoad } from "../../hooks.js";

const changed = () => window.dispatchEvent(new Event(UNREAD_CHANGED));

/** Where a notification leads in the app: its order's screen when it is about one. */
function linkOf(n) {
  return n.data?.order_id ? `#/orders/${n.data.order_id}` : null;
}

export function Inbox() {
  const { api } = useApp();
  const page = useLoad(() => api.get("/notifications", { limit: 50 }), []);
  const readAll = useAction(async () => {
    await api.post("/notifications/read-all");
    changed();
    await page.reload();
  });
  const unread = page.data?.notifications.filter((n) => !n.read_at).length || 0;
  return (
    <Layout title="Notifications">
      {page.loading && <Loading label="Loading notifications…" />}
      <Problem error={page.error} onRetry={page.reload} />
      {page.data && unread > 0 && (
        <button type="button" class="secondary" disabled={readAll.busy} onClick={readAll.run}>
          {readAll.busy ? "Marking…" : `Mark all ${unread} read`}
        </button>
      )}
      <Problem error={readAll.error} />
      {page.data && (page.data.notifications.length ? (
        <ul class="inbox">
          {page.data.notifications.map((n) => <Notice key={n.notification_id} n={n} onRead={page.reload} />)}
        </ul>
      ) : <Empty>No notifications yet.</Empty>)}
    </Layout>
  );
}

function Notice({ n, onRead }) {
  const { api } = useApp();
  const read = useAction(async () => {
    await api.post(`/notifications/${n.notification_id}/read`);
    changed();
    await onRead();
  });
  const link = linkOf(n);
  return (
    <li class={n.read_at ? "card notice-item" : "card notice-item unread"} data-type={n.type}>
      <p>
        {!n.read_at && <span class="dot">New</span>} <strong>{n.title}</strong>
      </p>
      <p>{n.body}</p>
      <p class="hint">
        {new Date(n.created_at).toLocaleString("en-IN", { dateStyle: "medium", timeStyle: "short" })}
        {link && <> · <a href={link}>Open order</a></>}
      </p>
      {!n.read_at && (
        <button type="button" class="link" disabled={read.busy} onClick={read.run} aria-label={`Mark "${n.title}" read`}>
          {read.busy ? "Marking…" : "Mark read"}
        </button>
      )}
      <Problem error={read.error} />
    </li>
  );
}
