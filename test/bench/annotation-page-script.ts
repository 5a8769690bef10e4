// The in-page half of the annotation benchmark, installed with `addInitScript` before the app loads.
// Plain JavaScript in a string: it runs in Chromium as written (no transpiler helpers can leak in).
//
// window.__bench:
//   arm()                remember "now" and the requests so far; the next key press starts a measurement
//   switchDone(n)        after the key press: waits until feature #n is on screen (title, scores, dashboard
//                        or its empty state, every chart drawn, the form of #n), then one frame
//   typed(n)             after the key press: waits until the description counter shows n characters
//   scrollTo(row|'end')  scrolls the queue list and waits until real rows (not skeletons) cover the view
//   settle()             waits until no request is in flight for 30 ms
//   appInfo(count)       bare `app:info` round trips over HTTP (ms each)
//   waitShown(n)         waits until feature #n is on screen (no key press, no timing)
// Times are performance.now() milliseconds; a key press counts from its event's timeStamp (the moment
// the browser made the event), and "then one frame" means requestAnimationFrame plus a message posted
// from it, which runs once the frame's style, layout and paint are done.
export const benchPageScript = String.raw`
(() => {
  const requests = [];
  let inFlight = 0;
  const realFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const match = /\/api\/invoke\/([^?]+)/.exec(url);
    if (!match) return realFetch(input, init);
    const record = { channel: decodeURIComponent(match[1]), start: performance.now(), end: NaN };
    requests.push(record);
    inFlight++;
    let response;
    try {
      response = await realFetch(input, init);
    } catch (error) {
      inFlight--;
      record.end = performance.now();
      throw error;
    }
    const json = response.json.bind(response);
    response.json = async () => {
      try {
        return await json();
      } finally {
        record.end = performance.now();
        inFlight--;
      }
    };
    return response;
  };

  let lastKeyAt = -1;
  window.addEventListener('keydown', (event) => (lastKeyAt = event.timeStamp), true);
  let armedAt = 0;
  let armedRequests = 0;

  const afterFrame = () =>
    new Promise((resolve) =>
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve(performance.now());
        channel.port2.postMessage(0);
      }),
    );
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Resolves with the time \`isDone()\` first held (checked on every DOM change and every 4 ms). */
  const waitFor = (isDone, what, timeoutMs = 20000) =>
    new Promise((resolve, reject) => {
      let observer = null;
      let interval = 0;
      let timeout = 0;
      const finish = (value, error) => {
        observer?.disconnect();
        clearInterval(interval);
        clearTimeout(timeout);
        if (error) reject(error);
        else resolve(value);
      };
      const check = () => {
        if (isDone()) finish(performance.now());
      };
      observer = new MutationObserver(check);
      observer.observe(document.documentElement, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
      interval = setInterval(check, 4);
      timeout = setTimeout(() => finish(0, new Error('timed out waiting for ' + what)), timeoutMs);
      check();
    });

  const requestsSince = (from, zero) =>
    requests.slice(from).map((r) => ({ channel: r.channel, start: r.start - zero, end: r.end - zero }));

  const featureShown = (n) => {
    const pane = document.querySelector('[data-testid=dashboard-pane]');
    if (!pane) return false;
    if (pane.querySelector('[data-testid=feature-title]')?.textContent !== 'Feature #' + n) return false;
    if (pane.querySelector('[aria-busy=true]')) return false;
    if (!pane.querySelector('[data-testid=dashboard-top], [data-testid=dashboard-empty]')) return false;
    for (const chart of pane.querySelectorAll('figure.chart'))
      if (!chart.querySelector('svg.recharts-surface')) return false;
    const form = document.querySelector('[data-testid=annotation-form]');
    return form?.getAttribute('data-feature-index') === String(n);
  };

  // Slot positions are read from layout: Chromium serialises large translateY values as 3.40782e+06px.
  const rowsCoverView = (list) => {
    const box = list.getBoundingClientRect();
    const top = box.top + list.clientTop;
    const bottom = top + list.clientHeight;
    let hasTop = false;
    let hasBottom = false;
    for (const slot of list.querySelectorAll('.fp-row-slot')) {
      const row = slot.getBoundingClientRect();
      if (!(row.bottom > top && row.top < bottom)) continue;
      if (!slot.querySelector('[data-testid=queue-row]')) return false;
      if (row.top <= top + 0.5) hasTop = true;
      if (row.bottom >= bottom - 0.5) hasBottom = true;
    }
    return hasTop && hasBottom;
  };

  /** After the key press that followed arm(): milliseconds from the key to \`isDone\`, and to the frame. */
  const afterKey = async (isDone, what) => {
    await waitFor(() => lastKeyAt > armedAt, 'the key press of ' + what);
    const keyAt = lastKeyAt;
    const doneAt = await waitFor(isDone, what);
    const frameAt = await afterFrame();
    return { toDom: doneAt - keyAt, total: frameAt - keyAt, requests: requestsSince(armedRequests, keyAt) };
  };

  window.__bench = {
    arm() {
      armedAt = performance.now();
      armedRequests = requests.length;
    },
    switchDone: (n) => afterKey(() => featureShown(n), 'feature #' + n),
    typed: (n) =>
      afterKey(() => {
        const counter = document.querySelector('[data-testid=description-counter]');
        return (counter?.textContent ?? '').startsWith(n + ' /');
      }, n + ' characters'),
    async scrollTo(row) {
      const list = document.querySelector('[data-testid=queue-list]');
      const from = requests.length;
      const start = performance.now();
      // 52 px: QueueList's row height.
      list.scrollTop = row === 'end' ? list.scrollHeight - list.clientHeight : row * 52;
      const doneAt = await waitFor(
        () => rowsCoverView(list),
        'rows at ' + row + ' (scrollTop ' + list.scrollTop + ' of ' + list.scrollHeight + ')',
      );
      const frameAt = await afterFrame();
      return {
        toDom: doneAt - start,
        total: frameAt - start,
        slots: list.querySelectorAll('.fp-row-slot').length,
        requests: requestsSince(from, start),
      };
    },
    async settle() {
      const until = performance.now() + 15000;
      while (performance.now() < until) {
        await afterFrame();
        if (inFlight === 0) {
          await sleep(30);
          if (inFlight === 0) return;
        }
      }
    },
    async appInfo(count) {
      const times = [];
      for (let i = 0; i < count + 2; i++) {
        const start = performance.now();
        const response = await realFetch('/api/invoke/' + encodeURIComponent('app:info'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
          credentials: 'same-origin',
        });
        await response.json();
        if (i >= 2) times.push(performance.now() - start);
      }
      return times;
    },
    /** Waits (without a key press) until feature #n is on screen. */
    waitShown: (n) => waitFor(() => featureShown(n), 'feature #' + n, 60000),
  };
})();
`;
