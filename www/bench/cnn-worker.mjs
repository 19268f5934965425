// System (a) of cnn-bench.mjs: part 10's module (www/pkg-cnn, the crate's
// SqueezeNet in WebAssembly with 128-bit SIMD) in a module Web Worker, as the page runs it
// (www/src/cnn-worker.ts): the half-precision weights the page fetches,
// `Cnn.squeezeNet`, then
// The page loads the relaxed-SIMD build where the browser has it.
//   - one 227x227 photograph (tests/fixtures/china-227.png, decoded by the
//     browser) to the 1000 class scores, `passes` times per run, after a
//     warm-up of 3 passes;
//   - part 10 on 40 faces, as "Compute features of your faces" runs it:
//     the first 4 people of the shipped faces (10 each) prepared as the
//     learner's own, then `featuresOf` (fire9, batches of 16, and both
//     classifiers).
// The server's root is the repository. Message in: { passes, runs,
// features, moduleUrl? } (`features` false skips the 40 faces; `moduleUrl`
// loads that build of the module, with the same glue, instead of the plain
// one).
// Message out: { ok: true, result } or { ok: false, error }.
import init, { Cnn, Faces, prepareOwnFaces } from '/www/pkg-cnn/gradlab_cnn.js';
import { bytes, photoRgba } from './fetch.mjs';


/** The first `people` people of the shipped faces, `perPerson` faces each, prepared as a learner's own. */
async function someFaces(people, perPerson) {
  const shipped = new Faces('faces.safetensors', await bytes('/www/public/faces/faces.safetensors'));
  const names = shipped.people().names;
  const labels = shipped.labels();
  const indices = [];
  for (let person = 0; person < people; person++) {
    for (let i = 0; i < labels.length && indices.filter((j) => labels[j] === person).length < perPerson; i++) {
      if (labels[i] === person) indices.push(i);
    }
  }
  const size = shipped.size;
  const rgba = shipped.imagesRgba(Uint32Array.from(indices));
  const crops = new Uint8Array(indices.length * size * size);
  for (let i = 0; i < crops.length; i++) crops[i] = rgba[4 * i];
  const who = indices.map((i) => names[labels[i]]);
  const files = indices.map((i, n) => `${names[labels[i]]}/${n}.png`);
  shipped.free();
  // At the shipped faces' size: every face is scaled to 227x227 anyway, so
  // the time is the same as for the page's 64x64 crops.
  return prepareOwnFaces(who, files, crops, new Uint32Array(indices.length).fill(size * size), size, 0);
}

self.onmessage = async ({ data: { passes, runs, features: withFeatures = true, moduleUrl } }) => {
  try {
    await init(moduleUrl ? { module_or_path: moduleUrl } : undefined);
    const weights = await bytes('/www/public/cnn/squeezenet1_1-f16.safetensors');
    const cnn = Cnn.squeezeNet('squeezenet1_1-f16.safetensors', weights);
    const photo = await photoRgba('/tests/fixtures/china-227.png');
    const forward = () => cnn.imagenetScores(photo.width, photo.height, photo.rgba);
    for (let i = 0; i < 3; i++) forward();
    const forwardMs = [];
    for (let run = 0; run < runs; run++) {
      const start = performance.now();
      for (let i = 0; i < passes; i++) forward();
      forwardMs.push((performance.now() - start) / passes);
    }
    const scores = forward();
    const top5 = [...scores.keys()].sort((a, b) => scores[b] - scores[a]).slice(0, 5);

    if (!withFeatures) {
      self.postMessage({ ok: true, result: { forward_ms: forwardMs, top5 } });
      return;
    }
    const faces = await someFaces(4, 10);
    const start = performance.now();
    const features = cnn.featuresOf(faces, 'fire9', 16, { hidden_units: 30, learning_rate: 0.01, epochs: 200, seed: 0 }, () => {});
    const featuresSeconds = (performance.now() - start) / 1000;
    const summary = features.summary();
    self.postMessage({
      ok: true,
      result: {
        forward_ms: forwardMs,
        top5,
        faces: features.length,
        features_seconds: featuresSeconds,
        test_accuracy: summary.test_accuracy,
        pixel_test_accuracy: summary.pixel_test_accuracy,
      },
    });
  } catch (error) {
    self.postMessage({ ok: false, error: String(error?.stack ?? error) });
  }
};
