// A long lecture, condensed (issue 17): training runs one after another in
// the draw section (start, run to the end, reset; the softmax network and
// the one-hidden-layer network in turn), and after each the page's memory:
// the main thread's JS heap after a garbage collection (DevTools protocol),
// the worker's WebAssembly memory (which never shrinks, so a leak of
// networks or runs in the module shows as growth), and the longest
// main-thread task while the run trained (PerformanceObserver 'longtask',
// installed by `watchLongTasks` before the page loads).
//
// Used by bench/soak-bench.mjs (30 runs, for BENCHMARKS.md) and by
// tests/soak.test.mjs (10 runs, with a bound on the growth).

/** Records long tasks in window.__longTasks in every page of `target` (a
 * browser context or a page); call before the page loads. */
export async function watchLongTasks(target) {
  await target.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** JS heap (bytes, after a collection) and the worker's wasm memory (bytes). */
export async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const jsHeap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  const wasm = await page.evaluate(() => window.__gradlab.lab.request({ type: 'memory-for-test' }).then((r) => r.wasmBytes));
  return { jsHeap, wasm };
}

/**
 * `runs` training runs of `epochs` epochs each in turn on both networks; each
 * starts, trains to its end and is reset. Waits only for states the page
 * reports. Returns a row per run: which network, its longest main-thread
 * task while it trained (ms) and how many of its tasks took over 50 ms, and
 * the memory after its reset.
 */
export async function soak(page, cdp, runs, { hiddenUnits = 32, epochs = 1, log = () => {} } = {}) {
  await cdp.send('Performance.enable');
  await page.waitForSelector('[data-testid="data-status"][data-state="ready"]', { timeout: 300000 });
  await page.getByTestId('setting-epochs').fill(String(epochs));
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const network = i % 2 === 0 ? 'softmax' : 'mlp';
    await page.getByTestId(`model-${network}`).check();
    // The field shows for the one-hidden-layer network only.
    if (network === 'mlp') await page.getByTestId('setting-hidden-units').fill(String(hiddenUnits));
    const from = await page.evaluate(() => performance.now());
    await page.getByTestId('train-start').click();
    await page.waitForSelector('[data-testid="status"][data-phase="finished"]', { timeout: 300000 });
    const to = await page.evaluate(() => performance.now());
    const durations = await page.evaluate(([a, b]) => window.__longTasks.filter((t) => t.start >= a && t.start < b).map((t) => t.duration), [from, to]);
    const longest = Math.max(0, ...durations);
    await page.getByTestId('train-reset').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="iteration"]')?.dataset.value === '0');
    await page.waitForSelector('[data-testid="status"][data-phase="idle"]');
    const after = await memory(page, cdp);
    rows.push({ run: i + 1, network, seconds: (to - from) / 1000, longestTaskMs: longest, longTasks: durations.length, ...after });
    log(rows[rows.length - 1]);
  }
  return rows;
}
