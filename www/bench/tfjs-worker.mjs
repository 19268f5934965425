// Systems (b) and (c) of train-bench.mjs: TensorFlow.js in a module Web
// Worker, `?backend=wasm` (@tensorflow/tfjs-backend-wasm: its non-threaded
// SIMD binary, from the npm package's dist/) or `?backend=cpu`
// (@tensorflow/tfjs-backend-cpu). The worker imports the bundle that
// train-bench.mjs made of tfjs-core, its gradients and that one backend
// (tfjs-*.entry.mjs), so every kernel runs on the chosen backend (TF.js has
// no per-kernel fallback: a kernel the backend lacks would throw).
//
// The training step is gradlab's: a batch of 100 MNIST images (pixels / 255)
// taken from a shuffled order (reshuffled every epoch), one-hot labels,
// logits = X W + b (the MLP: tanh(X W1 + b1) W2 + b2), softmax cross-entropy
// averaged over the batch, the gradient by optimizer.minimize, and
// tf.train.momentum(0.05, 0.9) (v <- 0.9 v + g, W <- W - 0.05 v: the same
// updates as gradlab's v <- 0.9 v + 0.05 g, W <- W - v).
//
// The batch comes in one of two ways, both timed (`feed`):
// - 'gather': all training images preloaded once into one f32 tensor (and
//   the labels, one-hot, into another); each step gathers its 100 rows with
//   tf.gather on the shuffled indices;
// - 'js': each step fills a new Float32Array with its 100 images' bytes / 255
//   (and the one-hot labels) and makes it a tensor (tf.tensor2d), as gradlab
//   and numpy build X from the bytes each step.
// Both end in the same computation; they differ in the cost of the feed
// (tf.gather from a 60,000-row tensor costs milliseconds in both backends).
//
// Message in: { steps: { mlp, softmax }, runs, warmUp }. Message out:
// { ok: true, result } or { ok: false, error }.

import { mnistFile } from './fetch.mjs';

const backend = new URL(self.location.href).searchParams.get('backend');
const TFJS = '/node_modules/@tensorflow';
/** The bundle's exports, imported by main. */
let tf;

const BATCH = 100;
const N_PIXELS = 784;
const N_CLASSES = 10;

/** A small seeded generator (mulberry32), for the shuffles and the initial weights. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Weights fan_in x fan_out, normal with standard deviation 1 / sqrt(fan_in) (Box-Muller). */
function initialWeights(random, fanIn, fanOut) {
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) {
    const u = 1 - random();
    values[i] = (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())) / Math.sqrt(fanIn);
  }
  return tf.variable(tf.tensor2d(values, [fanIn, fanOut]));
}

function summary(rates) {
  const sorted = [...rates].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1], min: sorted[0], max: sorted[sorted.length - 1], rates };
}

async function setUp() {
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`unknown backend ${backend}`);
  tf = await import(`/bench/.build/tfjs-${backend}.js`);
  if (backend === 'wasm') {
    // Threads off: the non-threaded SIMD binary. (The page is also served
    // without cross-origin isolation, so SharedArrayBuffer and with it
    // threads are unavailable anyway; both are reported.)
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tf.wasm.setWasmPaths(`${TFJS}/tfjs-backend-wasm/dist/`);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`running on ${tf.getBackend()}, not ${backend}`);
  const environment = {
    backend: tf.getBackend(),
    versionCore: tf.version_core,
    crossOriginIsolated: self.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
  };
  if (backend === 'wasm') {
    environment.versionWasm = tf.wasm.version_wasm;
    environment.wasmHasSimdSupport = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    environment.wasmHasMultithreadSupport = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    environment.threadsCount = tf.wasm.getThreadsCount();
    // The binaries this worker fetched (resource timing sees the fetch).
    environment.wasmBinaries = performance
      .getEntriesByType('resource')
      .map((entry) => entry.name)
      .filter((name) => name.endsWith('.wasm'))
      .map((name) => new URL(name).pathname);
  } else {
    environment.versionCpu = tf.version_cpu;
  }
  return environment;
}

async function main({ steps, runs, warmUp }) {
  const environment = await setUp();
  const started = performance.now();
  const [imageBytes, labelBytes] = await Promise.all([mnistFile('train-images-idx3-ubyte'), mnistFile('train-labels-idx1-ubyte')]);
  const n = labelBytes.length - 8;
  if (imageBytes.length !== 16 + n * N_PIXELS) throw new Error(`${n} labels but ${imageBytes.length} bytes of images`);
  // All training images in one tensor, once: pixels / 255 in f32; the labels one-hot.
  const pixels = new Float32Array(n * N_PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = imageBytes[16 + i] / 255;
  const oneHot = new Float32Array(n * N_CLASSES);
  for (let i = 0; i < n; i++) oneHot[i * N_CLASSES + labelBytes[8 + i]] = 1;
  const images = tf.tensor2d(pixels, [n, N_PIXELS]);
  const labels = tf.tensor2d(oneHot, [n, N_CLASSES]);
  const loadSeconds = (performance.now() - started) / 1000;

  const networks = {
    mlp: [N_PIXELS, 300, N_CLASSES],
    softmax: [N_PIXELS, N_CLASSES],
  };

  /** Trains network `name` (layer sizes `sizes`) with batches fed by `feed`; samples/s of each timed run. */
  async function measure(feed, name, sizes) {
    const random = generator(1);
    const layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      layers.push({ w: initialWeights(random, sizes[l], sizes[l + 1]), b: tf.variable(tf.zeros([sizes[l + 1]])) });
    }
    const variables = layers.flatMap(({ w, b }) => [w, b]);
    const logits = (x) => {
      let a = x;
      layers.forEach(({ w, b }, l) => {
        const z = tf.add(tf.matMul(a, w), b);
        a = l + 1 < layers.length ? tf.tanh(z) : z;
      });
      return a;
    };
    const optimizer = tf.train.momentum(0.05, 0.9);

    const order = new Int32Array(n).map((_, i) => i);
    const shuffle = () => {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    };
    shuffle();
    let position = 0;
    const step = () =>
      tf.tidy(() => {
        if (position + BATCH > n) {
          shuffle();
          position = 0;
        }
        const indices = order.subarray(position, position + BATCH);
        position += BATCH;
        let x;
        let y;
        if (feed === 'gather') {
          const batch = tf.tensor1d(indices, 'int32');
          x = tf.gather(images, batch);
          y = tf.gather(labels, batch);
        } else {
          // New arrays each step: the cpu backend keeps the array it is given.
          const xs = new Float32Array(BATCH * N_PIXELS);
          const ys = new Float32Array(BATCH * N_CLASSES);
          for (let i = 0; i < BATCH; i++) {
            const image = indices[i];
            const from = 16 + image * N_PIXELS;
            for (let p = 0; p < N_PIXELS; p++) xs[i * N_PIXELS + p] = imageBytes[from + p] / 255;
            ys[i * N_CLASSES + labelBytes[8 + image]] = 1;
          }
          x = tf.tensor2d(xs, [BATCH, N_PIXELS]);
          y = tf.tensor2d(ys, [BATCH, N_CLASSES]);
        }
        return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, logits(x), undefined, 0, tf.Reduction.MEAN), true, variables);
      });

    for (let i = 0; i < warmUp; i++) step().dispose();
    const tensorsAfterWarmUp = tf.memory().numTensors;
    const tensorsAfterRuns = [];
    const rates = [];
    let cost = NaN;
    for (let run = 0; run < runs; run++) {
      const start = performance.now();
      let loss = null;
      for (let i = 0; i < steps[name]; i++) {
        loss?.dispose();
        loss = step();
      }
      // Waits for all the run's work (the backends here are synchronous, but a
      // read is what makes that certain).
      cost = (await loss.data())[0];
      rates.push((steps[name] * BATCH) / ((performance.now() - start) / 1000));
      loss.dispose();
      tensorsAfterRuns.push(tf.memory().numTensors);
    }
    if (tensorsAfterRuns.some((count) => count !== tensorsAfterWarmUp)) {
      throw new Error(`tensors leak: ${tensorsAfterWarmUp} after the warm-up, then ${tensorsAfterRuns.join(', ')}`);
    }
    optimizer.dispose();
    tf.dispose(variables);
    return { ...summary(rates), steps: steps[name], runs, lastCost: cost, tensorsAfterWarmUp, tensorsAfterRuns };
  }

  const results = { gather: {}, js: {} };
  for (const feed of Object.keys(results)) {
    for (const [name, sizes] of Object.entries(networks)) {
      results[feed][name] = await measure(feed, name, sizes);
    }
  }
  images.dispose();
  labels.dispose();
  return { environment, loadSeconds, networks: results.gather, networksJsFeed: results.js };
}

self.onmessage = async (event) => {
  try {
    self.postMessage({ ok: true, result: await main(event.data) });
  } catch (error) {
    self.postMessage({ ok: false, error: `${error?.message ?? error}\n${error?.stack ?? ''}` });
  }
};
