// Part 10 in the page, side by side, in one command: SqueezeNet 1.1's forward
// pass of one 227x227 photograph (tests/fixtures/china-227.png) to the 1000
// class scores, on the half-precision weights the page downloads, in
//   (a) gradlab's part-10 module (www/pkg-cnn: src/cnn/squeezenet.rs in
//       WebAssembly), in a Web Worker of headless Chromium, as the page runs
//       it (cnn-worker.mjs): its relaxed-SIMD build, which the page loads in
//       Chromium, and as (a') its plain 128-bit SIMD build, the fallback and
//       the like of onnxruntime-web's binary, which has no relaxed SIMD;
//   (b) onnxruntime-web's wasm backend (SIMD, one thread: the page is not
//       cross-origin isolated) on the same weights exported to ONNX by
//       squeezenet_onnx.py (the PyPI package onnx, in the benchmark's own
//       venv), in the same browser (ort-worker.mjs);
//   (c) gradlab natively (examples/cnn_forward.rs, the same library code),
//       on one thread (RAYON_NUM_THREADS=1, as the page has one), and
//   (c') natively on every core;
// then part 10 on 40 faces as "Compute features of your faces" runs it (the
// features and both classifiers), in the page's module, and natively the
// features alone. The machines are shared and noisy, so the systems take
// turns: `rounds` rounds of a, a', b, c, c', and each ratio is taken within a
// round. Prints the median milliseconds of each system's runs, the ratios
// c/a (wasm/native speed; goal >= 0.4) and b/a and b/a' (gradlab against
// onnxruntime-web; goal >= 1) of each round and their median, and checks
// that all of them see the same top five classes.
//
// Run from anywhere, after scripts/build-page.sh:
//   node www/bench/cnn-bench.mjs [passes] [runs] [rounds]
// `passes` forward passes per timed run (default 10), `runs` timed runs per
// round (default 5), after a warm-up of 3 passes; `rounds` default 3.
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

const USAGE = 'usage: node www/bench/cnn-bench.mjs [passes >= 1] [runs >= 1] [rounds >= 1]';
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const PASSES = Number(args[0] ?? 10);
const RUNS = Number(args[1] ?? 5);
const ROUNDS = Number(args[2] ?? 3);
if (![PASSES, RUNS, ROUNDS].every((n) => Number.isInteger(n) && n >= 1) || args.length > 3) {
  console.error(USAGE);
  process.exit(2);
}

function fail(message) {
  console.error(message);
  process.exit(1);
}
for (const needed of ['pkg-cnn/gradlab_cnn.js', 'pkg-cnn/gradlab_cnn_bg.wasm', 'pkg-cnn/gradlab_cnn_relaxed_bg.wasm']) {
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

const native = (threads) => {
  log(`(c) gradlab native, ${threads ?? 'every core'} thread(s)`);
  const env = { ...process.env };
  if (threads) env.RAYON_NUM_THREADS = String(threads);
  else delete env.RAYON_NUM_THREADS;
  return JSON.parse(run(join(process.env.CARGO_TARGET_DIR ?? join(repository, 'target'), 'release', 'examples', 'cnn_forward'), [String(PASSES), String(RUNS)], { env }));
};

const loadBefore = loadavg()[0];
const server = await serve(repository);
const profile = mkdtempSync(join(tmpdir(), 'gradlab-cnn-bench-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
const rounds = [];
let chromiumVersion;
try {
  const page = await context.newPage();
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  await page.goto(`${server.url}www/bench/index.html`);
  chromiumVersion = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  const modelUrl = `/${relative(repository, onnxFile).split('\\').join('/')}`;
  for (let round = 0; round < ROUNDS; round++) {
    log(`round ${round + 1} of ${ROUNDS}`);
    const last = round === ROUNDS - 1;
    const gradlab = (label, build, features) =>
      inWorker(page, label, '/www/bench/cnn-worker.mjs', 'module', { passes: PASSES, runs: RUNS, features, moduleUrl: `/www/pkg-cnn/${build}` }, log);
    const a = await gradlab('(a) gradlab wasm, relaxed SIMD', 'gradlab_cnn_relaxed_bg.wasm', last);
    const aPlain = await gradlab("(a') gradlab wasm, plain SIMD", 'gradlab_cnn_bg.wasm', false);
    const b = await inWorker(page, '(b) onnxruntime-web wasm', '/www/bench/ort-worker.mjs', 'module', { modelUrl, photoUrl: '/tests/fixtures/china-227.png', passes: PASSES, runs: RUNS }, log);
    rounds.push({ a, aPlain, b, c: native(1), cAll: native(null) });
  }
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
const loadAfter = loadavg()[0];
const all = (key) => rounds.flatMap((r) => r[key].forward_ms);
const { a, b, c, cAll } = rounds[rounds.length - 1];

const say = (line = '') => console.log(line);
const wasm = join(www, 'pkg-cnn/gradlab_cnn_bg.wasm');
const wasmBytes = readFileSync(wasm);
say(`## SqueezeNet 1.1's forward pass, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
say();
say(`- ${cpus()[0]?.model ?? 'CPU ?'}, ${cpus().length} cores; load ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; ${chromiumVersion}`);
say(`- gradlab ${run('git', ['rev-parse', '--short', 'HEAD']).trim()}; ${run('rustc', ['--version']).trim()}; part 10's module ${wasmBytes.length} bytes, ${gzipSync(wasmBytes, { level: 9 }).length} gzipped (built ${statSync(wasm).mtime.toISOString().slice(0, 16)})`);
say(`- onnxruntime-web ${b.version ?? '?'}: ${b.backend ?? 'wasm'}, ${b.threads ?? '?'} thread(s), SIMD ${b.simd ?? '?'}${b.binary ? `, binary ${b.binary}` : ''}`);
say(`- ${ROUNDS} rounds of a, a', b, c, c'; in each, ${RUNS} runs of ${PASSES} passes after 3 warm-up passes; median (min-max) of all runs`);
say();
say('| system | ms per forward pass | top five classes |');
say('| --- | ---: | --- |');
say(`| (a) gradlab wasm, relaxed SIMD, one thread (what the page runs in Chromium) | ${spread(all('a'))} | ${a.top5.join(', ')} |`);
say(`| (a') gradlab wasm, plain 128-bit SIMD, one thread | ${spread(all('aPlain'))} | ${rounds[rounds.length - 1].aPlain.top5.join(', ')} |`);
say(`| (b) onnxruntime-web wasm (SIMD, one thread) | ${spread(all('b'))} | ${b.top5.join(', ')} |`);
say(`| (c) gradlab native, one thread | ${spread(all('c'))} | ${c.top5.join(', ')} |`);
say(`| (c') gradlab native, ${cAll.threads} threads | ${spread(all('cAll'))} | ${cAll.top5.join(', ')} |`);
say();
const ratios = (x, y) => rounds.map((r) => median(r[x].forward_ms) / median(r[y].forward_ms));
const describe = (values) => `**${median(values).toFixed(2)}** (rounds: ${values.map((v) => v.toFixed(2)).join(', ')})`;
say(`- wasm / native speed (c / a, one thread each): ${describe(ratios('c', 'a'))} (goal >= 0.4)`);
say(`- gradlab / onnxruntime-web speed (b / a): ${describe(ratios('b', 'a'))} (goal >= 1.0); plain SIMD against plain SIMD (b / a'): ${describe(ratios('b', 'aPlain'))}`);
say(
  `- part 10 on 40 faces in the page's module: ${a.features_seconds.toFixed(2)} s (features and both classifiers; test accuracy ${(100 * a.test_accuracy).toFixed(0)}% on features, ${(100 * a.pixel_test_accuracy).toFixed(0)}% on pixels); natively, the features alone: ${c.features_seconds.toFixed(2)} s on one thread`,
);
const reference = [832, 538, 663, 698, 442];
for (const [name, top5] of rounds.flatMap((r) => [
  ['(a)', r.a.top5],
  ["(a')", r.aPlain.top5],
  ['(b)', r.b.top5],
  ['(c)', r.c.top5],
  ["(c')", r.cAll.top5],
])) {
  if (top5.join() !== reference.join()) fail(`${name} sees ${top5.join(', ')}, not the reference's top five ${reference.join(', ')} (scripts/reference/cnn_reference.py)`);
}
