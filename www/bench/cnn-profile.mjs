// Where SqueezeNet's forward pass spends its time in the page's module
// (issue 16): part 10's module (www/pkg-cnn, the relaxed-SIMD build by
// default) on a page's main thread, where the DevTools protocol's CPU
// profiler reaches it, with the page's half-precision weights and the test
// photograph: 5 passes of warm-up, then `passes` passes under the profiler.
// Prints the milliseconds a pass and the functions with the most self time
// (the module keeps its function names). The profiler slows a pass a
// little: compare builds with it, one after the other, and take the
// benchmark's figures from cnn-bench.mjs. Run after scripts/build-page.sh:
//   node www/bench/cnn-profile.mjs [module file in www/pkg-cnn] [passes]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/lesson-harness.mjs';
import { serve } from '../tests/static-server.mjs';
import { profileSelfTime } from './self-time.mjs';

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = process.argv[2] ?? 'gradlab_cnn_relaxed_bg.wasm';
const PASSES = Number(process.argv[3] ?? 30);

const server = await serve(repository);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}www/bench/index.html`);
  await page.evaluate(async (build) => {
    const gradlab = await import('/www/pkg-cnn/gradlab_cnn.js');
    const { bytes, photoRgba } = await import('/www/bench/fetch.mjs');
    await gradlab.default({ module_or_path: `/www/pkg-cnn/${build}` });
    const cnn = gradlab.Cnn.squeezeNet('squeezenet1_1-f16.safetensors', await bytes('/www/public/cnn/squeezenet1_1-f16.safetensors'));
    const photo = await photoRgba('/tests/fixtures/china-227.png');
    window.forward = () => cnn.imagenetScores(photo.width, photo.height, photo.rgba);
    for (let i = 0; i < 5; i++) window.forward();
  }, build);
  await profileSelfTime(
    page,
    build,
    (passes) => {
      const start = performance.now();
      for (let i = 0; i < passes; i++) window.forward();
      return (performance.now() - start) / passes;
    },
    PASSES,
    (ms) => `${ms.toFixed(1)} ms a pass (under the profiler, ${PASSES} passes)`,
  );
} finally {
  await browser.close();
  await server.close();
}
