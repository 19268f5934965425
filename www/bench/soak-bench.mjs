// The soak run for BENCHMARKS.md (issue 17): 30 training runs in a row in the
// draw section (softmax and one hidden layer in turn; start, finish, reset),
// with the page's JS heap, the worker's WebAssembly memory and the longest
// main-thread task while each run trained (bench/soak.mjs). Not a test: it
// prints the figures (and writes them with --json FILE). Run after
// scripts/build-page.sh:
//   node www/bench/soak-bench.mjs [--runs 30] [--epochs 1] [--rate 1] [--dist DIR] [--json FILE]
// --rate throttles the page's CPU as page-bench.mjs does (4: a slow laptop),
// --epochs makes each run longer, --dist measures another build of the page.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { soak, watchLongTasks } from './soak.mjs';
import { openBuiltPage } from './built-page.mjs';
import { option } from './options.mjs';

const www = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(option('--runs', '30'));
const RATE = Number(option('--rate', '1'));
const EPOCHS = Number(option('--epochs', '1'));
const DIST = resolve(option('--dist', join(www, 'dist')));
const JSON_FILE = option('--json', null);
const mb = (bytes) => (bytes / 1e6).toFixed(1);

const { context, url, close } = await openBuiltPage(DIST, 'soak');
let rows;
try {
  await watchLongTasks(context);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: RATE });
  await page.goto(url);
  console.log('run  network  seconds  longest task ms  tasks over 50 ms  JS heap MB  wasm MB');
  rows = await soak(page, cdp, RUNS, {
    epochs: EPOCHS,
    log: (r) => console.log(`${String(r.run).padStart(3)}  ${r.network.padEnd(7)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.longestTaskMs.toFixed(0).padStart(15)}  ${String(r.longTasks).padStart(16)}  ${mb(r.jsHeap).padStart(10)}  ${mb(r.wasm).padStart(7)}`),
  });
} finally {
  await close();
}
const first = rows[0];
const last = rows[rows.length - 1];
const longests = rows.map((r) => r.longestTaskMs).sort((a, b) => a - b);
const longest = longests[longests.length - 1];
console.log(
  `${rows.length} runs at ${RATE}x CPU throttling: JS heap ${mb(first.jsHeap)} -> ${mb(last.jsHeap)} MB, wasm ${mb(first.wasm)} -> ${mb(last.wasm)} MB (after runs 1 and ${rows.length}); ` +
    `longest main-thread task while training ${longest.toFixed(0)} ms (median of the runs ${longests[longests.length >> 1].toFixed(0)} ms; ` +
    `${longests.filter((ms) => ms > 50).length} of ${rows.length} runs had a task over 50 ms)`,
);
const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => Number(l.toFixed(2))), date: new Date().toISOString() };
console.log(`machine: ${machine.cpus} x ${machine.model}, load average ${machine.loadavg.join(' ')}`);
if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify({ machine, rows }, null, 2));
