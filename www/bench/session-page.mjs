// A page in headless Chromium that holds gradlab training sessions on its
// main thread, where the DevTools protocol's profiler reaches them
// (train-profile.mjs) and several builds of the module can be timed in turns
// (train-ab.mjs). Each session is `window.advances[key](n)`, which takes n
// steps (gradlab-session.mjs, train-bench.mjs's settings).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/lesson-harness.mjs';
import { serve } from '../tests/static-server.mjs';

const www = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Serves www/ and opens the benchmarks' blank page: { page, close }. */
export async function sessionPage() {
  const server = await serve(www);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const close = async () => {
    await browser.close();
    await server.close();
  };
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}bench/index.html`);
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Loads the module file `build` of www/pkg in `page` with an instance of
 * the glue of its own (imported under a URL of its own), MNIST as the page
 * fetches it and a session of `network` ('softmax' or 'mlp'), takes 50
 * steps of warm-up (V8's optimising tier) and makes it
 * `window.advances[key]`. */
export async function addSession(page, network, build, key) {
  await page.evaluate(
    async ([network, build, key]) => {
      const gradlab = await import(`/pkg/gradlab.js?session=${key}`);
      const { mnistFile, MNIST_FILES } = await import('/bench/fetch.mjs');
      const { NETWORKS, trainingSession } = await import('/bench/gradlab-session.mjs');
      await gradlab.default({ module_or_path: `/pkg/${build}` });
      const data = new gradlab.Data(...(await Promise.all(MNIST_FILES.map(mnistFile))));
      const model = NETWORKS.find(([name]) => name === network)[1];
      window.advances ??= {};
      window.advances[key] = trainingSession(gradlab, data, model).advance;
      window.advances[key](50);
    },
    [network, build, key],
  );
}
