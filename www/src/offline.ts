// The page offline (a lecture hall with a bad network): after one visit the
// service worker that vite-plugin-pwa builds (vite.config.ts) serves the page,
// its code, both WebAssembly modules and the shipped models, and MNIST once
// it has been fetched. A new version of the page waits for the learner: a
// banner says so and reloads on request, so that a run in progress is never
// cut off by an update.

import { registerSW } from 'virtual:pwa-register';

/** The MNIST files the worker fetches (lab.ts's URLs). */
const MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** Has the service worker put MNIST in its data cache (public/keep-data.js,
 * the same cache its runtime rule fills, vite.config.ts): on the first visit
 * the page's worker fetched it before the service worker was there to keep
 * it. Resolves once it is kept. */
async function keepMnist(): Promise<void> {
  const registration = await navigator.serviceWorker.ready;
  const urls = MNIST_FILES.map((name) => new URL(`data/${name}`, document.baseURI).href);
  await new Promise<void>((resolve, reject) => {
    const listen = (event: MessageEvent) => {
      if (event.data?.type !== 'gradlab-data-kept') return;
      navigator.serviceWorker.removeEventListener('message', listen);
      if (event.data.error) reject(new Error(event.data.error));
      else resolve();
    };
    navigator.serviceWorker.addEventListener('message', listen);
    if (!registration.active) {
      navigator.serviceWorker.removeEventListener('message', listen);
      reject(new Error('the service worker is not active'));
      return;
    }
    registration.active.postMessage({ type: 'gradlab-keep-data', urls });
  });
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
