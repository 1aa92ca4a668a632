import { useCallback, useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  /** The last value loaded; kept while a later load fails, so a page never goes blank. */
  data: T | null;
  /** The last load's error, cleared by the next success. */
  error: Error | null;
  /** True until the first load for the current key settles. */
  loading: boolean;
  reload: () => void;
}

interface Loaded<T> {
  key: string;
  data: T | null;
  error: Error | null;
}

/** Calls `load` now and every `intervalMs`, one call at a time; a new `key` starts over. */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, key: string): Polled<T> {
  const [loaded, setLoaded] = useState<Loaded<T> | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    loadRef
      .current()
      .then(
        (data) => !cancelled && setLoaded({ key, data, error: null }),
        (error: unknown) =>
          !cancelled &&
          setLoaded((previous) => ({
            key,
            data: previous?.key === key ? previous.data : null,
            error: error instanceof Error ? error : new Error(String(error)),
          }))
      )
      .finally(() => {
        if (!cancelled) {
          timer = setTimeout(() => setTick((n) => n + 1), intervalMs);
        }
      });
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key, tick, intervalMs]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const current = loaded?.key === key ? loaded : null;
  return { data: current?.data ?? null, error: current?.error ?? null, loading: current === null, reload };
}
