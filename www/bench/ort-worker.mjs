// The yardstick of cnn-bench.mjs: SqueezeNet 1.1's forward pass in
// onnxruntime-web's WebAssembly backend (its CPU kernels, 128-bit SIMD, one
// thread), in a module Web Worker, on the same weights as gradlab's page
// (the .onnx file that onnx-model.mjs makes from them) and the same input:
// tests/fixtures/china-227.png decoded by the browser and prepared as gradlab
// prepares it. Then `runs` timed runs of `passes` forward passes each, after
// a warm-up of 3 passes, as cnn-worker.mjs times gradlab.
// The server's root is the repository. Message in:
//   { modelUrl, photoUrl, passes, runs }
// Message out: { ok: true, result } or { ok: false, error }.
//
// The wasm-only ES module build of onnxruntime-web, without WebGPU or WebNN:
// it has one binary, ort-wasm-simd-threaded.wasm (SIMD, threads used only when
// numThreads > 1 and the page is cross-origin isolated; the bench page is not).
import * as ort from '/www/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';
import { bytes, photoRgba } from './fetch.mjs';

const DIST = '/www/node_modules/onnxruntime-web/dist/';
const WARM_UP = 3;

// gradlab's SqueezeNet input (src/cnn/squeezenet.rs, INPUT): 227 x 227,
// blue, green, red, 0..255 minus the ImageNet mean in that order.
const SIDE = 227;
const MEAN_BGR = [103.939, 116.779, 123.68];


/** The network's input, 1 x 3 x 227 x 227, as gradlab's cnn::input_tensor
 * makes it. gradlab first fits the photo to 227 x 227 (a centred square,
 * resized); the photo already is that size, which fitting leaves as it is, so
 * any other size is refused rather than resized differently. */
function inputTensor({ width, height, rgba }) {
  if (width !== SIDE || height !== SIDE) throw new Error(`the photo is ${width} x ${height}, not ${SIDE} x ${SIDE}`);
  const plane = SIDE * SIDE;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      // Channel c of the input is blue, green, red: RGBA's byte 2 - c.
      data[c * plane + i] = rgba[4 * i + 2 - c] - MEAN_BGR[c];
    }
  }
  return new ort.Tensor('float32', data, [1, 3, SIDE, SIDE]);
}

/** The files of onnxruntime-web this worker fetched: which binary ran. */
function ortFiles() {
  return performance
    .getEntriesByType('resource')
    .map((entry) => ({ url: new URL(entry.name).pathname, bytes: entry.transferSize || entry.encodedBodySize || null }))
    .filter((entry) => entry.url.startsWith(DIST));
}

self.onmessage = async ({ data: { modelUrl, photoUrl, passes, runs } }) => {
  try {
    ort.env.wasm.wasmPaths = DIST;
    ort.env.wasm.numThreads = 1;
    // true: the 128-bit SIMD that the binary is built with, checked before
    // it loads (it fails rather than fall back: there is no other binary).
    ort.env.wasm.simd = true;
    // Already in a worker: no second one for ORT's proxy.
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'warning';

    const model = await bytes(modelUrl);
    const sessionStart = performance.now();
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    const sessionMs = performance.now() - sessionStart;
    const [inputName] = session.inputNames;
    const [outputName] = session.outputNames;

    const feeds = { [inputName]: inputTensor(await photoRgba(photoUrl)) };
    const forward = async () => {
      const outputs = await session.run(feeds);
      const scores = outputs[outputName];
      const values = scores.data;
      scores.dispose();
      return values;
    };
    for (let i = 0; i < WARM_UP; i++) await forward();
    const forwardMs = [];
    for (let run = 0; run < runs; run++) {
      const start = performance.now();
      for (let i = 0; i < passes; i++) await forward();
      forwardMs.push((performance.now() - start) / passes);
    }
    const scores = await forward();
    const top5 = [...scores.keys()].sort((a, b) => scores[b] - scores[a]).slice(0, 5);
    await session.release();

    self.postMessage({
      ok: true,
      result: {
        forward_ms: forwardMs,
        top5,
        top5_logits: top5.map((i) => scores[i]),
        logits_sum: scores.reduce((sum, v) => sum + v, 0),
        version: ort.env.versions?.web ?? ort.env.versions?.common ?? null,
        // What ORT settled on after initialising (it lowers numThreads to 1
        // where threads cannot run).
        threads: ort.env.wasm.numThreads,
        simd: ort.env.wasm.simd,
        execution_providers: ['wasm'],
        files: ortFiles(),
        cross_origin_isolated: self.crossOriginIsolated,
        shared_array_buffer: typeof SharedArrayBuffer !== 'undefined',
        session_ms: sessionMs,
        model_bytes: model.length,
        input: inputName,
        output: outputName,
      },
    });
  } catch (error) {
    self.postMessage({ ok: false, error: String(error?.stack ?? error) });
  }
};
