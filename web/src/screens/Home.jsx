// The shop: where to deliver (→ the serviceable store and its ETA), search as you type, the category shelf.
import { useState } from "preact/hooks";
import { useApp } from "../app.js";
import { Empty, Loading, Problem } from "../components/feedback.jsx";
import { Layout } from "../components/layout.jsx";
import { ProductGrid } from "../components/ProductCard.jsx";
import { useDebounced, useLoad } from "../hooks.js";
import { LocationPicker } from "./Location.jsx";

const SEARCH_DEBOUNCE_MS = 250;

export function Home() {
  const { place } = useApp();
  const [query, setQuery] = useState("");
  const settled = useDebounced(query.trim(), SEARCH_DEBOUNCE_MS);
  return (
    <Layout>
      <LocationPicker />
      {place?.store && (
        <>
          <form role="search" class="search" onSubmit={(e) => e.preventDefault()}>
            <label for="search" class="visually-hidden">Search products</label>
            <input id="search" type="search" placeholder='Search "milk", "paneer", "atta"…' autocomplete="off"
              value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          </form>
          {settled ? <SearchResults query={settled} storeId={place.store.store_id} /> : <Shelf storeId={place.store.store_id} />}
        </>
      )}
    </Layout>
  );
}

function SearchResults({ query, storeId }) {
  const { api } = useApp();
  const found = useLoad(() => api.get("/products/search", { q: query, store_id: storeId, limit: 24 }), [query, storeId]);
  return (
    <section aria-labelledby="results-title" aria-busy={found.loading}>
      <h2 id="results-title">Results for “{query}”</h2>
      {found.loading && <Loading label="Searching…" />}
      <Problem error={found.error} onRetry={found.reload} />
      {found.data && !found.loading && (
        found.data.items.length ? <ProductGrid products={found.data.items} />
          : <Empty>Nothing matches “{query}”. Try another word.</Empty>
      )}
    </section>
  );
}

function Shelf({ storeId }) {
  const { api } = useApp();
  const tree = useLoad(() => api.get("/categories"), []);
  const [chosen, setChosen] = useState(null);
  const subcategories = (tree.data?.categories || []).flatMap((top) => top.children.map((c) => ({ ...c, top: top.name })));
  const current = chosen || subcategories[0];
  return (
    <section aria-labelledby="shelf-title">
      <h2 id="shelf-title">Shop by category</h2>
      {tree.loading && <Loading label="Loading categories…" />}
      <Problem error={tree.error} onRetry={tree.reload} />
      {subcategories.length > 0 && (
        <div class="chips" role="list">
          {subcategories.map((category) => (
            <button type="button" role="listitem" key={category.category_id}
              class={current?.category_id === category.category_id ? "chip on" : "chip"}
              aria-pressed={current?.category_id === category.category_id} onClick={() => setChosen(category)}>
              {category.name}
            </button>
          ))}
        </div>
      )}
      {current && <CategoryProducts category={current} storeId={storeId} />}
    </section>
  );
}

function CategoryProducts({ category, storeId }) {
  const { api } = useApp();
  const page = useLoad(
    () => api.get("/products", { store_id: storeId, category_id: category.category_id, limit: 24 }),
    [category.category_id, storeId],
  );
  return (
    <div aria-busy={page.loading}>
      <h3 class="shelf-name">{category.top} › {category.name}</h3>
      {page.loading && <Loading label={`Loading ${category.name}…`} />}
      <Problem error={page.error} onRetry={page.reload} />
      {page.data && !page.loading && (
        page.data.products.length ? <ProductGrid products={page.data.products} />
          : <Empty>No products in {category.name} yet.</Empty>
      )}
    </div>
  );
}
