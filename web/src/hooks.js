// Loading states and problems for API calls: every screen uses these, so every call shows that it is
// running and every failure is shown in words.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/** Runs `load` now and whenever `deps` change: {data, error, loading, reload, setData}. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const serial = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++serial.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const data = await load();
      if (mine === serial.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === serial.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  const setData = (data) => setState((s) => ({ ...s, data }));
  return { ...state, reload, setData };
}

/** An action a person starts (a button): {run, busy, error, clearError}; `run` resolves to the result or null. */
export function useAction(action) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (...args) => {
    setBusy(true);
    setError(null);
    try {
      return await action(...args);
    } catch (problem) {
      setError(problem);
      return null;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clearError: () => setError(null) };
}

/** `value`, once it has stopped changing for `ms` milliseconds. */
export function useDebounced(value, ms) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
