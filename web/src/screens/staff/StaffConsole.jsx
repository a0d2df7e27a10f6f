// The store staff console: the store's queue of orders (new, confirmed, packed) with confirm and pack, an item
// marked unavailable refunded in part (online-paid orders only), and the low-stock list with set stock.
// Store staff work on their own store; an admin picks one.
import { useState } from "preact/hooks";
import { useApp } from "../../app.js";
import { Empty, Loading, Problem } from "../../components/feedback.jsx";
import { Layout } from "../../components/layout.jsx";
import { useAction, useLoad } from "../../hooks.js";
import { rupees } from "../../money.js";

// The queue's tabs: the status the list asks for, and what staff do next with such an order.
const QUEUE = [
  { status: "PLACED", label: "New", next: "CONFIRMED", action: "Confirm" },
  { status: "CONFIRMED", label: "Confirmed", next: "PACKED", action: "Pack" },
  { status: "PACKED", label: "Packed", next: null, action: null },
];
const LOW_STOCK_AT = 5;

export function StaffConsole() {
  const { api, user } = useApp();
  const isAdmin = user?.roles?.includes("admin");
  const [picked, setPicked] = useState(user?.store_id || "");
  const stores = useLoad(() => (isAdmin ? api.get("/stores") : Promise.resolve(null)), [isAdmin]);
  const storeId = picked || (isAdmin ? stores.data?.stores?.[0]?.store_id : user?.store_id) || "";
  return (
    <Layout title="Store console">
      {isAdmin && (
        <div class="card stack">
          {stores.loading && <Loading label="Loading stores…" />}
          <Problem error={stores.error} onRetry={stores.reload} />
          {stores.data && (
            <>
              <label for="store-pick">Store</label>
              <select id="store-pick" value={storeId} onChange={(e) => setPicked(e.currentTarget.value)}>
                {stores.data.stores.map((s) => <option key={s.store_id} value={s.store_id}>{s.name}</option>)}
              </select>
            </>
          )}
        </div>
      )}
      {!storeId && !isAdmin && <p class="problem" role="alert">Your account is not linked to a store.</p>}
      {storeId && <Queue key={storeId} storeId={storeId} />}
      {storeId && <LowStock key={`low-${storeId}`} storeId={storeId} />}
    </Layout>
  );
}

function Queue({ storeId }) {
  const { api } = useApp();
  const [tab, setTab] = useState(QUEUE[0]);
  const [notice, setNotice] = useState(null);
  // Bumped on every refresh: an order opened in the queue reads itself again with the list, so the version it
  // sends with the next step is never older than the list it sits in.
  const [generation, setGeneration] = useState(0);
  const list = useLoad(() => api.get("/admin/orders", { store_id: storeId, status: tab.status, limit: 50 }),
    [storeId, tab.status]);
  const refresh = (words) => {
    setNotice(words);
    setGeneration((g) => g + 1);
    list.reload();
  };
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Orders</h2>
      <div class="chips" role="group" aria-label="Which orders">
        {QUEUE.map((q) => (
          <button key={q.status} type="button" class={q.status === tab.status ? "chip on" : "chip"}
            aria-pressed={q.status === tab.status} onClick={() => { setTab(q); setNotice(null); }}>
            {q.label}
          </button>
        ))}
        <button type="button" class="chip" onClick={() => refresh(null)} disabled={list.loading}>Refresh</button>
      </div>
      {notice && <p class="notice" role="status">{notice}</p>}
      {list.loading && <Loading label="Loading orders…" />}
      <Problem error={list.error} onRetry={list.reload} />
      {list.data && (list.data.orders.length ? (
        <ul class="queue">
          {/* Keyed by tab too: an order that moved on starts closed in its next tab and reads itself afresh. */}
          {list.data.orders.map((o) => (
            <QueueOrder key={`${tab.status}:${o.order_id}`} summary={o} step={tab} generation={generation}
              onChanged={refresh} />
          ))}
        </ul>
      ) : !list.loading && <Empty>No {tab.label.toLowerCase()} orders.</Empty>)}
    </section>
  );
}

function QueueOrder({ summary, step, generation, onChanged }) {
  const { api } = useApp();
  const [open, setOpen] = useState(false);
  return (
    <li class="card queue-order" data-order-id={summary.order_id}>
      <div class="place">
        <span>
          <strong><code>{summary.order_id.slice(-6)}</code></strong> · {summary.item_count} items
          · {rupees(summary.total || 0)}
          <span class="hint"> · {new Date(summary.created_at).toLocaleTimeString("en-IN", { timeStyle: "short" })}</span>
        </span>
        <button type="button" class="secondary" aria-expanded={open}
          aria-label={`${open ? "Close" : "Open"} order ${summary.order_id}`} onClick={() => setOpen(!open)}>
          {open ? "Close" : "Open"}
        </button>
      </div>
      {open && <OrderWork api={api} orderId={summary.order_id} step={step} generation={generation}
        onChanged={onChanged} />}
    </li>
  );
}

/** One order opened in the queue: its items, the next step (with the version read here), items unavailable. */
function OrderWork({ api, orderId, step, generation, onChanged }) {
  const order = useLoad(() => api.get(`/orders/${encodeURIComponent(orderId)}`), [orderId, generation]);
  const advance = useAction(async () => {
    try {
      const changed = await api.patch(`/orders/${orderId}/status`, { status: step.next, version: order.data.version });
      onChanged(`Order ${orderId.slice(-6)} is ${changed.status.toLowerCase()}.`);
    } catch (error) {
      if (error.status !== 409) throw error;
      onChanged(`Order ${orderId.slice(-6)} changed while you had it open (${error.message}). The list is refreshed: `
        + "check it and try again.");
    }
  });
  if (order.loading && !order.data) return <Loading label="Loading the order…" />;
  if (order.error) return <Problem error={order.error} onRetry={order.reload} />;
  const o = order.data;
  const cod = o.payment_method === "cod";
  return (
    <div class="stack">
      <p class="hint">
        {o.address?.line1} · {cod ? "Cash on delivery" : "Paid online"} · version {o.version}
      </p>
      <ul class="lines compact">
        {o.items.map((item) => (
          <li key={item.product_id} class="line">
            <span>{item.quantity} × {item.name}</span>
            <Unavailable api={api} order={o} item={item} cod={cod} />
          </li>
        ))}
      </ul>
      {step.next && (
        <button type="button" class="primary" disabled={advance.busy} onClick={advance.run}>
          {advance.busy ? `${step.action === "Pack" ? "Packing" : "Confirming"}…` : `${step.action} order`}
        </button>
      )}
      {!step.next && <p class="hint">Waiting for a rider to pick it up.</p>}
      <Problem error={advance.error} />
    </div>
  );
}

/** Marks one line unavailable: the customer gets that line's money back if they paid online. */
function Unavailable({ api, order, item, cod }) {
  const [done, setDone] = useState(null);
  const [said, setSaid] = useState(null);
  const refund = useAction(async () => {
    if (cod) {
      setSaid("Cash on delivery: nothing was paid online, so nothing can be refunded online. Collect less at the door.");
      return;
    }
    const body = { items: [{ product_id: item.product_id, quantity: item.quantity }], reason: `${item.name} unavailable` };
    setDone(await api.post(`/admin/orders/${order.order_id}/refunds`, body,
      { "Idempotency-Key": `unavailable-${order.order_id}-${item.product_id}` }));
  });
  return (
    <span class="unavailable">
      {done ? (
        <span role="status">Refund of {rupees(done.amount)} {done.status}</span>
      ) : (
        <button type="button" class="link" disabled={refund.busy} onClick={refund.run}
          aria-label={`Mark ${item.name} unavailable`}>
          {refund.busy ? "Refunding…" : "Unavailable"}
        </button>
      )}
      {said && <span class="notice" role="status">{said}</span>}
      <Problem error={refund.error} />
    </span>
  );
}

function LowStock({ storeId }) {
  const { api } = useApp();
  const low = useLoad(() => api.get(`/stores/${storeId}/stock/low`, { threshold: LOW_STOCK_AT, limit: 50 }), [storeId]);
  return (
    <section aria-labelledby="low-title">
      <h2 id="low-title">Low stock (at most {LOW_STOCK_AT})</h2>
      {low.loading && <Loading label="Loading low stock…" />}
      <Problem error={low.error} onRetry={low.reload} />
      {low.data && (low.data.items.length ? (
        <ul class="lines compact">
          {low.data.items.map((item) => <StockLine key={item.product_id} storeId={storeId} item={item} />)}
        </ul>
      ) : <Empty>Nothing is running low.</Empty>)}
    </section>
  );
}

function StockLine({ storeId, item }) {
  const { api } = useApp();
  const [available, setAvailable] = useState(item.available);
  const [value, setValue] = useState(String(item.available));
  const save = useAction(async (event) => {
    event.preventDefault();
    const count = Number(value);
    if (!Number.isInteger(count) || count < 0) throw new Error("Stock is a whole number, 0 or more.");
    const saved = await api.put(`/stores/${storeId}/stock/${item.product_id}`, { available: count });
    setAvailable(saved.available);
  });
  const id = `stock-${item.product_id}`;
  return (
    <li class="line stock-line">
      <span>{item.name || item.product_id} <span class="hint">({available} left)</span></span>
      <form class="row" onSubmit={save.run}>
        <label for={id} class="visually-hidden">Stock of {item.name || item.product_id}</label>
        <input id={id} type="number" inputmode="numeric" class="stock-input" value={value}
          onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit" class="secondary" disabled={save.busy}>{save.busy ? "Saving…" : "Set"}</button>
      </form>
      <Problem error={save.error} />
    </li>
  );
}
