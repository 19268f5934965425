// System (a) of train-bench.mjs: gradlab's wasm build in a module Web Worker,
// as the page runs it (www/src/worker/): MNIST fetched as the page's .gz
// files and unpacked with DecompressionStream, `new Data(...)`,
// `new Session(data, { model, train })`, `session.advance(n, ...)`. Then the
// yardsticks: the peak of one core's 128-bit SIMD (gradlab's simdPeakKernel,
// and the same loop written directly in WebAssembly, wasm-peak.mjs) and the
// rate of the f32 matrix product the training step uses (matmulKernel).
//
// The module is either build of scripts/build-page.sh: `module: 'relaxed'`
// (gradlab_relaxed_bg.wasm, fused multiply-adds, what the page loads in
// Chromium) or 'plain' (gradlab_bg.wasm, the fallback); the yardsticks use the
// same multiply-add as the module's products.
//
// `moduleUrl`, when given, loads that file instead (a build of the same
// module, as wasm-opt-bench.mjs compares). Message in: { module, moduleUrl?,
// steps: { mlp, softmax }, runs, warmUp, yardstickSeconds, yardstickRuns,
// trainOnly? } (trainOnly skips the yardsticks). Message out:
// { ok: true, result } or { ok: false, error }.
import init, * as wasm from '/pkg/gradlab.js';
import { mnistFile, MNIST_FILES } from './fetch.mjs';
import { NETWORKS, trainingSession } from './gradlab-session.mjs';
import { handPeakKernel } from './wasm-peak.mjs';

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

function summary(rates) {
  const sorted = [...rates].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1], min: sorted[0], max: sorted[sorted.length - 1], rates };
}

/** Seconds for one call of `run(count)`. */
function time(run, count) {
  const start = performance.now();
  run(count);
  return (performance.now() - start) / 1000;
}

/** Grows `count` until one call takes at least `seconds / 4`, then scales it to about `seconds`. */
function calibrate(run, count, seconds) {
  for (;;) {
    const took = time(run, count);
    if (took >= seconds / 4) return Math.max(1, Math.round((count * seconds) / took));
    count *= took > 0 ? Math.min(16, Math.max(2, Math.ceil(seconds / 4 / took))) : 16;
  }
}

/** GFLOP/s of `run(count)` (flops per unit `flopsPer`), median of `times` calls of about `seconds`. */
function rate(run, flopsPer, seconds, times) {
  const count = calibrate(run, 1, seconds);
  const rates = [];
  let checksum = 0;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    checksum += run(count);
    rates.push((count * flopsPer) / ((performance.now() - start) / 1000) / 1e9);
  }
  return { ...summary(rates), count, seconds: (count * flopsPer) / 1e9 / median(rates), checksum };
}

async function main({ module, moduleUrl, steps, runs, warmUp, yardstickSeconds, yardstickRuns, trainOnly = false }) {
  const started = performance.now();
  const path = moduleUrl ?? (module === 'relaxed' ? '/pkg/gradlab_relaxed_bg.wasm' : '/pkg/gradlab_bg.wasm');
  await init({ module_or_path: path });
  const fused = wasm.relaxedSimdEnabled();
  if (fused !== (module === 'relaxed')) throw new Error(`asked for the ${module} module, loaded one with relaxedSimdEnabled() = ${fused}`);
  const data = new wasm.Data(...(await Promise.all(MNIST_FILES.map(mnistFile))));
  const loadSeconds = (performance.now() - started) / 1000;
  const results = {};
  for (const [name, model] of NETWORKS) {
    const { session, advance } = trainingSession(wasm, data, model);
    advance(warmUp);
    const rates = [];
    let cost = NaN;
    for (let run = 0; run < runs; run++) {
      const start = performance.now();
      const report = advance(steps[name]);
      rates.push((steps[name] * 100) / ((performance.now() - start) / 1000));
      cost = report.batch_cost;
    }
    results[name] = { ...summary(rates), steps: steps[name], runs, lastCost: cost };
    session.free();
  }
  data.free();
  if (trainOnly) return { relaxedSimd: fused, loadSeconds, networks: results };

  // The yardsticks, after training, in the same worker.
  const peak = rate((n) => wasm.simdPeakKernel(n), wasm.simdPeakFlopsPerIteration(), yardstickSeconds, yardstickRuns);
  const handPeak = {};
  for (const chains of [8, 12, 16]) {
    const { peak: kernel, flopsPerIteration } = handPeakKernel(chains, fused);
    handPeak[chains] = { chains, flopsPerIteration, ...rate((n) => kernel(n), flopsPerIteration, yardstickSeconds, yardstickRuns) };
  }
  const gemm = {};
  for (const units of [300, 10]) {
    const batch = 100;
    gemm[`${units}`] = {
      units,
      batch,
      ...rate((n) => wasm.matmulKernel(units, batch, n), 2 * 785 * units * batch, yardstickSeconds, yardstickRuns),
    };
  }
  return {
    simd: wasm.simdEnabled(),
    relaxedSimd: fused,
    crossOriginIsolated: self.crossOriginIsolated,
    loadSeconds,
    networks: results,
    peak,
    peakFlopsPerIteration: wasm.simdPeakFlopsPerIteration(),
    handPeak,
    gemm,
  };
}

self.onmessage = async (event) => {
  try {
    self.postMessage({ ok: true, result: await main(event.data) });
  } catch (error) {
    self.postMessage({ ok: false, error: `${error?.message ?? error}\n${error?.stack ?? ''}` });
  }
};
