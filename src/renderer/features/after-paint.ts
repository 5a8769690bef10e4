/**
 * Runs `task` once the next frame is painted, as a task of its own: work that can wait (a background
 * re-check, fetching the neighbours ahead) does not delay the frame that shows a feature. Returns a
 * function that cancels it if it has not run yet.
 */
export function afterPaint(task: () => void): () => void {
  let timer = 0;
  let isCancelled = false;
  const frame = window.requestAnimationFrame(() => {
    timer = window.setTimeout(() => {
      if (!isCancelled) task();
    }, 0);
  });
  return () => {
    isCancelled = true;
    window.cancelAnimationFrame(frame);
    window.clearTimeout(timer);
  };
}
