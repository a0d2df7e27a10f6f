// The shared states of a screen: loading, a problem in words, an empty list.
export function Loading({ label = "Loading…" }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Problem({ error, onRetry }) {
  if (!error) return null;
  return (
    <div class="problem" role="alert">
      <p>{error.message || String(error)}</p>
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }) {
  return <p class="empty">{children}</p>;
}
