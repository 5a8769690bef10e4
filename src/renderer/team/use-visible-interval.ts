import { useEffect, useRef } from 'react';

/**
 * Calls `tick` every `intervalMs` while the component is mounted, `isActive` and the page is visible
 * (a hidden tab polls nothing); once more as soon as the page becomes visible again.
 */
export function useVisibleInterval(tick: () => void, intervalMs: number, isActive: boolean): void {
  const tickRef = useRef(tick);
  useEffect(() => {
    tickRef.current = tick;
  });
  useEffect(() => {
    if (!isActive) return;
    let timer: ReturnType<typeof setInterval> | null = null;
    const start = (): void => {
      if (timer === null) timer = setInterval(() => tickRef.current(), intervalMs);
    };
    const stop = (): void => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    };
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') {
        tickRef.current();
        start();
      } else stop();
    };
    if (document.visibilityState === 'visible') start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [intervalMs, isActive]);
}
