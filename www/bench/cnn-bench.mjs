// Part 10 in the page, side by side, in one command: SqueezeNet 1.1's forward
// pass of one 227x227 photograph (tests/fixtures/china-227.png) to the 1000
// class scores, on the half-precision weights the page downloads, in
//   (a) gradlab's part-10 module (www/pkg-cnn: src/cnn/squeezenet.rs in
//       WebAssembly, 128-bit SIMD), in a Web Worker of headless Chromium, as the page runs it
//       (cnn-worker.mjs);
//   (b) onnxruntime-web's wasm backend (SIMD, one thread: the page is not
//       cross-origin isolated) on the same weights exported to ONNX by
//       squeezenet_onnx.py (the PyPI package onnx, in the benchmark's own
//       venv), in the same browser (ort-worker.mjs);
//   (c) gradlab natively (examples/cnn_forward.rs, the same library code),
//       on one thread (RAYON_NUM_THREADS=1, as the page has one), and
//   (c') natively on every core;
// then part 10 on 40 faces as "Compute features of your faces" runs it (the
// features and both classifiers), in the page's module, and natively the
// features alone. Prints the median milliseconds of the runs and the ratios
// c/a (wasm/native speed; goal >= 0.4) and b/a (gradlab against
// onnxruntime-web; goal >= 1), and checks that all three see the same top
// five classes.
//
// Run from anywhere, after scripts/build-page.sh:
//   node www/bench/cnn-bench.mjs [passes] [runs]
// `passes` forward passes per timed run (default 10), `runs` timed runs
// (default 5), after a warm-up of 3 passes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/lesson-harness.mjs';
import { serve } from '../tests/static-server.mjs';
import { inWorker } from './in-worker.mjs';
import { squeezenetOnnx } from './onnx-model.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const www = join(bench, '..');
const repository = join(www, '..');

const USAGE = 'usage: node www/bench/cnn-bench.mjs [passes >= 1] [runs >= 1]';
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const PASSES = Number(args[0] ?? 10);
const RUNS = Number(args[1] ?? 5);
if (!Number.isInteger(PASSES) || PASSES < 1 || !Number.isInteger(RUNS) || RUNS < 1 || args.length > 2) {
  console.error(USAGE);
  process.exit(2);
}

function fail(message) {
  console.error(message);
  process.exit(1);
}
for (const needed of ['pkg-cnn/gradlab_cnn.js', 'pkg-cnn/gradlab_cnn_bg.wasm']) {
  if (!existsSync(join(www, needed))) fail(`www/${needed} is missing: run scripts/build-page.sh first`);
}
if (!existsSync(join(www, 'node_modules/onnxruntime-web/package.json'))) fail('onnxruntime-web is missing: run `npm ci --prefix www` (or scripts/setup.sh)');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const log = (message) => process.stderr.write(`cnn-bench: ${message}\n`);
const run = (command, commandArgs, options = {}) =>
  execFileSync(command, commandArgs, { cwd: repository, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const spread = (values) => `${median(values).toFixed(1)} ms (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;

// Everything built and exported before anything is timed.
log('building examples/cnn_forward.rs (release)');
run('cargo', ['build', '--quiet', '--release', '--locked', '--example', 'cnn_forward']);
const onnxFile = await squeezenetOnnx(log);

const loadBefore = loadavg()[0];
const server = await serve(repository);
const profile = mkdtempSync(join(tmpdir(), 'gradlab-cnn-bench-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
let a;
let b;
let chromiumVersion;
try {
  const page = await context.newPage();
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  await page.goto(`${server.url}www/bench/index.html`);
  chromiumVersion = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  a = await inWorker(page, '(a) gradlab wasm', '/www/bench/cnn-worker.mjs', 'module', { passes: PASSES, runs: RUNS }, log);
  b = await inWorker(
    page,
    '(b) onnxruntime-web wasm',
    '/www/bench/ort-worker.mjs',
    'module',
    { modelUrl: `/${relative(repository, onnxFile).split('\\').join('/')}`, photoUrl: '/tests/fixtures/china-227.png', passes: PASSES, runs: RUNS },
    log,
  );
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

const native = (threads) => {
  log(`(c) gradlab native, ${threads ?? 'every core'} thread(s)`);
  const env = { ...process.env };
  if (threads) env.RAYON_NUM_THREADS = String(threads);
  else delete env.RAYON_NUM_THREADS;
  return JSON.parse(run(join(process.env.CARGO_TARGET_DIR ?? join(repository, 'target'), 'release', 'examples', 'cnn_forward'), [String(PASSES), String(RUNS)], { env }));
};
const c = native(1);
const cAll = native(null);
const loadAfter = loadavg()[0];

const say = (line = '') => console.log(line);
const wasm = join(www, 'pkg-cnn/gradlab_cnn_bg.wasm');
const wasmBytes = readFileSync(wasm);
say(`## SqueezeNet 1.1's forward pass, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
say();
say(`- ${cpus()[0]?.model ?? 'CPU ?'}, ${cpus().length} cores; load ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; ${chromiumVersion}`);
say(`- gradlab ${run('git', ['rev-parse', '--short', 'HEAD']).trim()}; ${run('rustc', ['--version']).trim()}; part 10's module ${wasmBytes.length} bytes, ${gzipSync(wasmBytes, { level: 9 }).length} gzipped (built ${statSync(wasm).mtime.toISOString().slice(0, 16)})`);
say(`- onnxruntime-web ${b.version ?? '?'}: ${b.backend ?? 'wasm'}, ${b.threads ?? '?'} thread(s), SIMD ${b.simd ?? '?'}${b.binary ? `, binary ${b.binary}` : ''}`);
say(`- ${PASSES} passes per run, ${RUNS} runs, after 3 warm-up passes; median (min-max) of the runs`);
say();
say('| system | ms per forward pass | top five classes |');
say('| --- | ---: | --- |');
say(`| (a) gradlab wasm (SIMD, one thread) | ${spread(a.forward_ms)} | ${a.top5.join(', ')} |`);
say(`| (b) onnxruntime-web wasm (SIMD, one thread) | ${spread(b.forward_ms)} | ${b.top5.join(', ')} |`);
say(`| (c) gradlab native, one thread | ${spread(c.forward_ms)} | ${c.top5.join(', ')} |`);
say(`| (c') gradlab native, ${cAll.threads} threads | ${spread(cAll.forward_ms)} | ${cAll.top5.join(', ')} |`);
say();
const ratio = (x, y) => (median(x) / median(y)).toFixed(2);
say(`- wasm / native speed (c / a, one thread each): **${ratio(c.forward_ms, a.forward_ms)}** (goal >= 0.4)`);
say(`- gradlab / onnxruntime-web speed (b / a): **${ratio(b.forward_ms, a.forward_ms)}** (goal >= 1.0)`);
say(
  `- part 10 on 40 faces in the page's module: ${a.features_seconds.toFixed(2)} s (features and both classifiers; test accuracy ${(100 * a.test_accuracy).toFixed(0)}% on features, ${(100 * a.pixel_test_accuracy).toFixed(0)}% on pixels); natively, the features alone: ${c.features_seconds.toFixed(2)} s on one thread`,
);
const reference = [832, 538, 663, 698, 442];
for (const [name, top5] of [
  ['(a)', a.top5],
  ['(b)', b.top5],
  ['(c)', c.top5],
]) {
  if (top5.join() !== reference.join()) fail(`${name} sees ${top5.join(', ')}, not the reference's top five ${reference.join(', ')} (scripts/reference/cnn_reference.py)`);
}
