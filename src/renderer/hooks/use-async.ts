import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | null;
  isLoading: boolean;
  reload: () => void;
}

/** Runs `load` on mount and on every `reload()`; keeps the last data while reloading. */
export function useAsync<T>(load: () => Promise<T>): AsyncState<T> {
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<{ data: T | undefined; error: string | null; version: number }>({
    data: undefined,
    error: null,
    version: -1,
  });
  useEffect(() => {
    let isCurrent = true;
    loadRef.current().then(
      (data) => {
        if (isCurrent) setState({ data, error: null, version });
      },
      (reason: unknown) => {
        const error = reason instanceof Error ? reason.message : String(reason);
        if (isCurrent) setState((s) => ({ ...s, error, version }));
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data: state.data, error: state.error, isLoading: state.version !== version, reload };
}
