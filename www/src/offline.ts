// The page offline (a lecture hall with a bad network): after one visit the
// service worker that vite-plugin-pwa builds (vite.config.ts) serves the page,
// its code, both WebAssembly modules and the shipped models, and MNIST once
// it has been fetched. A new version of the page waits for the learner: a
// banner says so and reloads on request, so that a run in progress is never
// cut off by an update.

import { registerSW } from 'virtual:pwa-register';

/** The MNIST files the worker fetches (lab.ts's URLs). */
const MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** Puts MNIST in the service worker's data cache (the same cache its
 * runtime rule fills, vite.config.ts): on the first visit the worker fetched
 * it before the service worker was there to keep it. Usually from the
 * browser's HTTP cache, without downloading it again. */
async function keepMnist(): Promise<void> {
  const cache = await caches.open('gradlab-data');
  const urls = MNIST_FILES.map((name) => new URL(`data/${name}`, document.baseURI).href);
  const missing = [];
  for (const url of urls) if (!(await cache.match(url))) missing.push(url);
  if (missing.length > 0) await cache.addAll(missing);
  document.documentElement.dataset.dataCached = 'true';
}

/** Registers the service worker; `say` shows a line in the page's status. */
export function workOffline(banner: HTMLElement, say: (text: string) => void): void {
  if (!('serviceWorker' in navigator)) return;
  const update = registerSW({
    onNeedRefresh() {
      const reload = document.createElement('button');
      reload.type = 'button';
      reload.className = 'primary';
      reload.dataset.testid = 'reload-new-version';
      reload.textContent = 'Reload';
      reload.addEventListener('click', () => void update(true));
      banner.replaceChildren('A new version of gradlab is ready. ', reload);
      banner.hidden = false;
    },
    onOfflineReady() {
      say('This page now works offline.');
      document.documentElement.dataset.offlineReady = 'true';
      keepMnist().catch((error: unknown) => console.warn(`gradlab: MNIST is not kept offline: ${error instanceof Error ? error.message : String(error)}`));
    },
    onRegisterError(error: unknown) {
      // The page works as before, only not offline.
      console.warn(`gradlab: no offline copy: ${error instanceof Error ? error.message : String(error)}`);
    },
  });
}
