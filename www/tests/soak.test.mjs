// The page left open for a lecture does not grow (issue 17): ten training
// runs in a row in the draw section (softmax and one hidden layer in turn;
// start, finish, reset; bench/soak.mjs). After the first two runs (one of
// each network: the module's memory has grown to what a run of each needs)
// the worker's WebAssembly memory may grow by at most 1 MB over the next
// eight runs, and the page's JS heap, measured after a garbage collection,
// by at most 4 MB. Measured: both flat to 0.2 MB (wasm 66.4 MB throughout,
// JS heap 7.0 to 7.2 MB). A leaked training session in the module holds its
// shuffled order (60,000 x 4 bytes) besides its weights, velocity and
// gradient: over 240 KB a run, about 2 MB over eight, twice the bound. The 1 MB leaves room
// for the allocator's fragmentation, which no run so far has shown.
// Figures for 30 runs are in BENCHMARKS.md (bench/soak-bench.mjs).
//
// Run: npm test (node --test), after `npm run build`. Needs Chromium at
// /usr/bin/chromium, or set CHROMIUM=/path/to/chrome.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { soak, watchLongTasks } from '../bench/soak.mjs';
import { assertNoProblems, openPageWith, useBrowser } from './lesson-harness.mjs';

useBrowser();

const JS_HEAP_BOUND = 4e6;
const WASM_BOUND = 1e6;

test('ten training runs in a row: the wasm memory grows by at most 1 MB and the JS heap by at most 4 MB', async () => {
  const { page, problems } = await openPageWith({ data: true, beforeLoad: (context) => watchLongTasks(context) });
  const cdp = await page.context().newCDPSession(page);
  const rows = await soak(page, cdp, 10);
  const settled = rows[1];
  const last = rows[rows.length - 1];
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(`soak: JS heap ${mb(settled.jsHeap)} -> ${mb(last.jsHeap)}, wasm ${mb(settled.wasm)} -> ${mb(last.wasm)} (runs 2 to 10)`);
  assert.ok(
    last.wasm - settled.wasm <= WASM_BOUND,
    `the wasm memory grew by more than ${mb(WASM_BOUND)} from run 2 to run 10: ${rows.map((r) => mb(r.wasm)).join(', ')}`,
  );
  assert.ok(
    last.jsHeap - settled.jsHeap <= JS_HEAP_BOUND,
    `the JS heap grew by more than ${mb(JS_HEAP_BOUND)} from run 2 to run 10: ${rows.map((r) => mb(r.jsHeap)).join(', ')}`,
  );
  assertNoProblems(problems);
  await page.close();
});
