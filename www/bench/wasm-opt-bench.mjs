// Do the WebAssembly modules gain from binaryen's wasm-opt (issue 21)? For
// both builds of scripts/build-page.sh (plain SIMD and relaxed SIMD) this
// runs wasm-opt (the npm package binaryen, www/node_modules/.bin/wasm-opt;
// Debian's binaryen 108 breaks wasm-bindgen's output) at -O3 and -Oz into
// www/bench/.build/wasm-opt/, and reports
//   - the time wasm-opt took, and each file's size, raw and gzipped (what
//     the page transfers and the offline copy keeps);
//   - training throughput of the MLP and the softmax network (as in
//     train-bench.mjs, system a), each build in turn in one headless
//     Chromium, round after round, so that a busy machine slows every build
//     alike; and the ratio of each optimised build to the one it came from.
// Not a test. Run after scripts/build-page.sh:
//   node www/bench/wasm-opt-bench.mjs [rounds] [scale]
// `rounds` (default 3) times each build is run; `scale` (default 0.5)
// multiplies the steps per run (300 MLP and 5000 softmax steps at 1).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/lesson-harness.mjs';
import { serve } from '../tests/static-server.mjs';
import { inWorker } from './in-worker.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const www = join(bench, '..');
const ROUNDS = Number(process.argv[2] ?? 3);
const SCALE = Number(process.argv[3] ?? 0.5);
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1 && SCALE > 0)) {
  console.error('usage: node www/bench/wasm-opt-bench.mjs [rounds >= 1] [scale > 0]');
  process.exit(1);
}
const log = (message) => process.stderr.write(`wasm-opt-bench: ${message}\n`);
const wasmOpt = join(www, 'node_modules', '.bin', 'wasm-opt');
for (const needed of [join(www, 'pkg', 'gradlab_bg.wasm'), join(www, 'pkg', 'gradlab_relaxed_bg.wasm'), wasmOpt]) {
  if (!existsSync(needed)) {
    console.error(`${needed} is missing: run scripts/build-page.sh (it installs the npm packages and builds both modules)`);
    process.exit(1);
  }
}

// The features the modules use (wasm-bindgen's output and Rust's wasm32
// defaults, +simd128, and +relaxed-simd for the relaxed build): wasm-opt
// refuses instructions of a feature it was not told about.
const FEATURES = [
  '--enable-simd',
  '--enable-relaxed-simd',
  '--enable-bulk-memory',
  '--enable-sign-ext',
  '--enable-nontrapping-float-to-int',
  '--enable-mutable-globals',
  '--enable-multivalue',
  '--enable-reference-types',
];
const out = join(bench, '.build', 'wasm-opt');
mkdirSync(out, { recursive: true });

const builds = [];
for (const [module, file] of [
  ['relaxed', 'gradlab_relaxed_bg.wasm'],
  ['plain', 'gradlab_bg.wasm'],
]) {
  const source = join(www, 'pkg', file);
  builds.push({ name: `${module}`, module, url: `/pkg/${file}`, path: source, optSeconds: null, from: null });
  for (const level of ['O3', 'Oz']) {
    const target = join(out, `${level}-${file}`);
    log(`wasm-opt -${level} ${file}`);
    const started = performance.now();
    execFileSync(wasmOpt, [`-${level}`, ...FEATURES, source, '-o', target], { stdio: ['ignore', 'ignore', 'inherit'] });
    builds.push({ name: `${module}, wasm-opt -${level}`, module, url: `/bench/.build/wasm-opt/${level}-${file}`, path: target, optSeconds: (performance.now() - started) / 1000, from: module });
  }
}
for (const build of builds) {
  const bytes = readFileSync(build.path);
  build.size = statSync(build.path).size;
  build.gzip = gzipSync(bytes, { level: 9 }).length;
}

const steps = { mlp: Math.max(2, Math.round(300 * SCALE)), softmax: Math.max(2, Math.round(5000 * SCALE)) };
const loadStart = loadavg()[0];
const server = await serve(www);
const profile = mkdtempSync(join(tmpdir(), 'gradlab-wasm-opt-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
try {
  const page = await context.newPage();
  await page.goto(`${server.url}bench/index.html`);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const build of builds) {
      const result = await inWorker(page, `round ${round}: ${build.name}`, '/bench/gradlab-worker.mjs', 'module', { module: build.module, moduleUrl: build.url, steps, runs: 3, warmUp: 20, trainOnly: true }, log);
      for (const network of ['mlp', 'softmax']) (build[network] ??= []).push(result.networks[network].median);
    }
  }
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
console.log(`${cpus().length} x ${cpus()[0].model}; load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end; ${ROUNDS} rounds, steps per run ${JSON.stringify(steps)}`);
console.log('| build | wasm-opt time | size | gzipped | MLP samples/s (median of rounds) | vs unoptimised | softmax samples/s | vs unoptimised |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const build of builds) {
  const base = builds.find((b) => b.name === build.from);
  const ratio = (network) => (base ? (median(build[network]) / median(base[network])).toFixed(2) : '1');
  console.log(
    `| ${build.name} | ${build.optSeconds === null ? '-' : `${build.optSeconds.toFixed(0)} s`} | ${integer.format(build.size)} B | ${integer.format(build.gzip)} B | ${integer.format(median(build.mlp))} | ${ratio('mlp')} | ${integer.format(median(build.softmax))} | ${ratio('softmax')} |`,
  );
}
