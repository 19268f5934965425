// Where a training step spends its time in the page's module (issue 18):
// gradlab's main module (www/pkg, the relaxed-SIMD build by default) on a
// page's main thread, where the DevTools protocol's CPU profiler reaches it,
// with MNIST as the page fetches it and train-bench.mjs's settings
// (gradlab-session.mjs): 50 steps of warm-up, then `steps` steps under the
// profiler. Prints the microseconds a step and the functions with the most
// self time (self-time.mjs). The profiler slows a step a little: compare
// builds with it, one after the other, and take the benchmark's figures from
// train-bench.mjs. Run after scripts/build-page.sh:
//   node www/bench/train-profile.mjs [softmax|mlp] [module file in www/pkg] [steps]
import { addSession, sessionPage } from './session-page.mjs';
import { profileSelfTime } from './self-time.mjs';

const network = process.argv[2] ?? 'softmax';
const build = process.argv[3] ?? 'gradlab_relaxed_bg.wasm';
const STEPS = Number(process.argv[4] ?? (network === 'softmax' ? 3000 : 200));
if (!['softmax', 'mlp'].includes(network) || !(STEPS >= 1)) {
  console.error('usage: node www/bench/train-profile.mjs [softmax|mlp] [module file in www/pkg] [steps >= 1]');
  process.exit(2);
}

const { page, close } = await sessionPage();
try {
  await addSession(page, network, build, 0);
  await profileSelfTime(
    page,
    `${build} ${network}`,
    (steps) => {
      const start = performance.now();
      window.advances[0](steps);
      return (performance.now() - start) / steps;
    },
    STEPS,
    (ms) => `${(1000 * ms).toFixed(0)} µs a step, ${Math.round(100 / (ms / 1000)).toLocaleString('en')} samples/s (under the profiler, ${STEPS} steps)`,
  );
} finally {
  await close();
}
