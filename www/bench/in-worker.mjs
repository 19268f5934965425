// What the browser benchmarks share: running one benchmark worker in a page
// and getting its result. The worker answers one message with
// { ok: true, result } or { ok: false, error }.

/** Starts the worker at `url` in `page`, sends `message`, and returns its
 * result; `log` hears what runs. */
export async function inWorker(page, label, url, type, message, log) {
  log(`${label}: running in a Web Worker`);
  const outcome = await page.evaluate(
    ({ url, type, message }) =>
      new Promise((resolve) => {
        const worker = new Worker(url, { type });
        worker.onmessage = (event) => {
          worker.terminate();
          resolve(event.data);
        };
        worker.onerror = (event) => {
          worker.terminate();
          resolve({ ok: false, error: `worker error: ${event.message} (${event.filename}:${event.lineno})` });
        };
        worker.postMessage(message);
      }),
    { url, type, message },
  );
  if (!outcome.ok) throw new Error(`${label} failed: ${outcome.error}`);
  return outcome.result;
}
