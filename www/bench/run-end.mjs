// Waits in the page, without polling it, for the draw section's run to end.
// Playwright's waitForSelector polls the page with its own selector engine,
// on the page's main thread: at 4x throttling, frames-probe.mjs --profile
// found 110-140 ms of it in a 4-epoch run (`query`, `_queryCSS`), in the
// frames the probes measure. (main-thread-profile.mjs's counts of long tasks
// did not change measurably without it, three pairs: its own tracing costs
// more.) A MutationObserver on the status's data-phase costs nothing until
// it changes.

/** Resolves when the status says `finished`; rejects after `timeoutMs`. */
export function untilRunFinished(page, timeoutMs = 600_000) {
  return page.evaluate(
    (timeout) =>
      new Promise((resolve, reject) => {
        const status = document.querySelector('[data-testid="status"]');
        if (!status) return reject(new Error('the page has no training status'));
        const observer = new MutationObserver(() => check());
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`the run did not finish in ${timeout / 1000} s (its status: ${status.dataset.phase})`));
        }, timeout);
        const check = () => {
          if (status.dataset.phase !== 'finished') return;
          observer.disconnect();
          clearTimeout(timer);
          resolve();
        };
        observer.observe(status, { attributes: true, attributeFilter: ['data-phase'] });
        check();
      }),
    timeoutMs,
  );
}
