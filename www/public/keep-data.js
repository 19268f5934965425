// Part of the page's service worker (vite.config.ts imports it into the one
// Workbox generates): on the first visit the page's worker fetched MNIST
// before the service worker was there to keep it, so the page asks the
// service worker to put it in its data cache (the cache its runtime rule
// fills), usually from the browser's HTTP cache without downloading it
// again. Done here rather than in the page: Cache.addAll reads the 11 MB
// of responses on the thread that calls it, and the page's main thread is
// drawing a network's training (BENCHMARKS.md, issue 21).
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'gradlab-keep-data') return;
  const reply = (error) => event.source?.postMessage({ type: 'gradlab-data-kept', error });
  event.waitUntil(
    keep(event.data.urls).then(
      () => reply(null),
      (error) => reply(error instanceof Error ? error.message : String(error)),
    ),
  );
});

async function keep(urls) {
  const cache = await caches.open('gradlab-data');
  const missing = [];
  for (const url of urls) if (!(await cache.match(url))) missing.push(url);
  if (missing.length > 0) await cache.addAll(missing);
}
