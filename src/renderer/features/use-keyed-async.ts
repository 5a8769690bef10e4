import { useCallback, useEffect, useState } from 'react';

export interface KeyedAsync<T> {
  /** The data of the current key (undefined while it loads, even if an older key had data). */
  data: T | undefined;
  error: string | null;
  /** The rejection itself (an ApiCallError carries the contract's code). */
  cause: unknown;
  isLoading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` whenever `key` changes (nothing while it is null) or `reload()` is called. Data of an
 * older key is never shown for a newer one, so panes switch features without showing stale values.
 */
export function useKeyedAsync<T>(key: string | null, load: () => Promise<T>): KeyedAsync<T> {
  const [version, setVersion] = useState(0);
  const fullKey = key === null ? null : `${key}#${version}`;
  const [state, setState] = useState<{
    key: string | null;
    data: T | undefined;
    error: string | null;
    cause: unknown;
  }>({ key: null, data: undefined, error: null, cause: undefined });
  useEffect(() => {
    if (fullKey === null) return;
    let isCurrent = true;
    load().then(
      (data) => {
        if (isCurrent) setState({ key: fullKey, data, error: null, cause: undefined });
      },
      (reason: unknown) => {
        const error = reason instanceof Error ? reason.message : String(reason);
        if (isCurrent) setState({ key: fullKey, data: undefined, error, cause: reason });
      },
    );
    return () => {
      isCurrent = false;
    };
    // `load` is a fresh closure each render; the key says when it means something new.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fullKey]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  // While reloading the same key, keep showing the previous data (no flicker).
  const isSameBase = key !== null && state.key !== null && state.key.startsWith(`${key}#`);
  return {
    data: isSameBase ? state.data : undefined,
    error: isSameBase ? state.error : null,
    cause: isSameBase ? state.cause : undefined,
    isLoading: fullKey !== null && state.key !== fullKey,
    reload,
  };
}
