// Training throughput, in Chromium and natively, in one run: the MLP
// 784-300(tanh)-10 and the softmax network 784-10 on MNIST, f32, batch 100,
// momentum 0.9, timed over `STEPS` steps after a warm-up of 20, `RUNS` times.
// The browser side calls the wasm build's Session.step (the call the page's
// worker makes); the native side runs examples/throughput.rs, which calls the
// same Trainer::step. Prints samples per second (median, min, max) and the
// ratio wasm / native.
//
// Run from the repository: scripts/build-page.sh, then
//   node www/bench/throughput.mjs [steps] [runs]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../tests/static-server.mjs';

const www = join(dirname(fileURLToPath(import.meta.url)), '..');
const repository = join(www, '..');
const STEPS = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 5);

for (const needed of ['pkg/gradlab.js', 'public/data/train-images-idx3-ubyte.gz']) {
  if (!existsSync(join(www, needed))) {
    console.error(`www/${needed} is missing: run scripts/build-page.sh first`);
    process.exit(1);
  }
}

const server = await serve(www);
const profile = mkdtempSync(join(tmpdir(), 'gradlab-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let browser;
try {
  const page = await context.newPage();
  await page.goto(`${server.url}bench/index.html`);
  browser = await page.evaluate(async ({ steps, runs }) => {
    const wasm = await import('/pkg/gradlab.js');
    await wasm.default();
    const load = async (name) => {
      const response = await fetch(`/public/data/${name}.gz`);
      const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    };
    const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
    const data = new wasm.Data(...(await Promise.all(files.map(load))));
    const results = [];
    const networks = [
      ['mlp', { kind: 'mlp', hidden_units: 300, activation: 'tanh' }],
      ['softmax', { kind: 'softmax', hidden_units: 300, activation: 'tanh' }],
    ];
    for (const [name, model] of networks) {
      const train = { optimizer: { kind: 'momentum', beta: 0.9 }, learning_rate: 0.05, batch_size: 100, epochs: 1000, seed: 0 };
      const session = new wasm.Session(data, { model, train });
      session.step(20);
      const rates = [];
      for (let run = 0; run < runs; run++) {
        const start = performance.now();
        session.step(steps);
        rates.push((steps * 100) / ((performance.now() - start) / 1000));
      }
      rates.sort((a, b) => a - b);
      results.push({ network: name, where: 'wasm (Chromium)', median: rates[runs >> 1], min: rates[0], max: rates[runs - 1], simd: wasm.simdEnabled() });
      session.free();
    }
    return results;
  }, { steps: STEPS, runs: RUNS });
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

const output = execFileSync('cargo', ['run', '--quiet', '--release', '--locked', '--example', 'throughput', '--', String(STEPS), String(RUNS)], {
  cwd: repository,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
const native = output.trim().split('\n').map((line) => JSON.parse(line));

const round = (v) => Math.round(v).toLocaleString('en-US');
console.log(`samples/s, batch 100, ${STEPS} steps x ${RUNS} runs (median, min-max); wasm SIMD: ${browser[0].simd}`);
console.log('| network | wasm in Chromium | native | wasm / native |');
console.log('| --- | --- | --- | --- |');
for (const b of browser) {
  const n = native.find((r) => r.network === b.network);
  console.log(`| ${b.network} | ${round(b.median)} (${round(b.min)}-${round(b.max)}) | ${round(n.median)} (${round(n.min)}-${round(n.max)}) | ${(b.median / n.median).toFixed(2)} |`);
}
