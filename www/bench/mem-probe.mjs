// Where the renderer's memory goes (issue 21): opens the page as
// page-bench.mjs does (start-up, MNIST, one training run, every chapter) and
// at each state prints, for the page's renderer process:
//   - VmRSS and /proc/PID/smaps_rollup (anonymous vs file-backed),
//   - each V8 isolate (page, dedicated workers, service worker) through the
//     DevTools protocol: Runtime.getHeapUsage (used/total heap, embedder heap,
//     ArrayBuffer backing stores),
//   - the largest mappings of /proc/PID/smaps by Rss,
// then forces a GC in every isolate (HeapProfiler.collectGarbage) and measures
// again, then takes a Chromium memory-infra dump (chrome://tracing's memory
// dumps: v8, wasm code, malloc, partition_alloc, blink_gc, skia, cc, ...)
// of the renderer.
//   node www/bench/mem-probe.mjs [--js-flags "--no-liftoff"] [--query "?wasm=simd128"]
//        [--no-sw] [--dist DIR] [--json FILE] [--smaps N] [--quick]
// --quick stops after MNIST (no training, no chapters).
// Playwright drives the page here, so Blink's buffer partition also holds
// the copies of the fetched files that DevTools' network agent keeps (about
// 20 MB of the footprint once MNIST is in, bare-page.mjs); page-bench.mjs
// measures without them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, drawOne, showEveryChapter } from '../tests/lesson-harness.mjs';
import { serve } from '../tests/static-server.mjs';
import { largestRenderer, renderers } from './renderers.mjs';
import { memoryDump } from './memory-dump.mjs';
import { cdpClient } from './cdp-client.mjs';
import { flag, option } from './options.mjs';

const require = createRequire(import.meta.url);
const { ws: WebSocket } = require(join(dirname(require.resolve('playwright-core')), 'lib/utilsBundle.js'));

const www = join(dirname(fileURLToPath(import.meta.url)), '..');
const JS_FLAGS = option('--js-flags', null);
const QUERY = option('--query', '');
const NO_SW = flag('--no-sw');
const QUICK = flag('--quick');
const NO_MNIST = flag('--no-mnist');
const SETTLE = Number(option('--settle', '1.5'));
// --late-attach: no DevTools session on the page's isolates until the forced GC
// (attaching may change when V8 collects); --no-dump: no memory-infra dumps either.
const LATE_ATTACH = flag('--late-attach');
const NO_DUMP = flag('--no-dump');
let attachNow = !LATE_ATTACH;
const DIST = option('--dist', join(www, 'dist'));
const JSON_FILE = option('--json', null);
const SMAPS_TOP = Number(option('--smaps', '12'));
const EXTRA = (option('--chromium-args', '') || '').split(' ').filter(Boolean);
const PORT = 9300 + Math.floor(Math.random() * 600);

const MB = (bytes) => bytes / 1048576;
const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rollup(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('Rss'), anon: kb('Anonymous'), file: kb('Pss_File') >= 0 ? kb('Rss') - kb('Anonymous') : NaN, pss: kb('Pss'), pssAnon: kb('Pss_Anon'), pssFile: kb('Pss_File'), pssShmem: kb('Pss_Shmem') };
}

/** The largest mappings by Rss, and Rss summed by mapping kind. */
function smaps(pid, top) {
  const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const maps = [];
  let cur = null;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { range: `${head[1]}-${head[2]}`, size: parseInt(head[2], 16) - parseInt(head[1], 16), perms: head[3], name: head[4] || '[anon]', rss: 0 };
      maps.push(cur);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && cur) cur.rss = Number(rss[1]) * 1024;
  }
  const byName = {};
  for (const m of maps) {
    const key = m.name.startsWith('/') ? (m.name.includes('chromium') ? 'chromium binary' : m.name.includes('/lib') ? 'shared libraries' : m.name) : m.name;
    byName[key] = (byName[key] ?? 0) + m.rss;
  }
  // Anonymous mappings by virtual size class (V8 cages and wasm reservations are huge).
  const anonBySize = {};
  for (const m of maps.filter((m) => m.name === '[anon]' || m.name.startsWith('[anon:'))) {
    const cls = m.perms.includes('x') ? 'executable (JIT code: JS and wasm)' : m.size >= 32 * 2 ** 20 ? 'rw >= 32 MB (wasm memory)' : m.size >= 2 ** 20 ? 'rw 1-32 MB' : 'rw < 1 MB';
    anonBySize[`${m.name} ${cls}`] = (anonBySize[`${m.name} ${cls}`] ?? 0) + m.rss;
  }
  return { top: [...maps].sort((a, b) => b.rss - a.rss).slice(0, top), byName, anonBySize };
}

/** A raw DevTools connection with flattened sessions (cdp-client.mjs). */
async function connectCdp() {
  const version = await (await fetch(`http://127.0.0.1:${PORT}/json/version`)).json();
  const socket = new WebSocket(version.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const cdp = cdpClient((text) => socket.send(text));
  socket.on('message', (data) => cdp.receive(JSON.parse(data.toString())));
  socket.on('close', () => cdp.close('the DevTools connection closed'));
  return { send: cdp.send, on: cdp.on, close: () => socket.close() };
}

/** Every JS target (page, workers, service worker), attached. */
async function isolates(cdp, attached) {
  const { targetInfos } = await cdp.send('Target.getTargets');
  for (const t of targetInfos) {
    if (!['page', 'worker', 'service_worker', 'shared_worker'].includes(t.type)) continue;
    if (t.type === 'page' && !t.url.startsWith('http')) continue;
    if (attached.has(t.targetId)) continue;
    try {
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: true });
      attached.set(t.targetId, { sessionId, type: t.type, url: t.url, title: t.title });
    } catch (e) {
      attached.set(t.targetId, { error: e.message, type: t.type, url: t.url });
    }
  }
  // Drop the ones gone.
  const alive = new Set(targetInfos.map((t) => t.targetId));
  for (const id of [...attached.keys()]) if (!alive.has(id)) attached.delete(id);
  const out = [];
  for (const [id, t] of attached) {
    if (!t.sessionId) continue;
    try {
      const usage = await cdp.send('Runtime.getHeapUsage', {}, t.sessionId);
      out.push({ id, type: t.type, url: t.url.replace(/^http:\/\/[^/]+/, ''), ...usage });
    } catch (e) {
      out.push({ id, type: t.type, url: t.url, error: e.message });
    }
  }
  return out;
}

async function gcAll(cdp, attached, only = null) {
  for (const [, t] of attached) if (t.sessionId && (!only || t.type === only)) await cdp.send('HeapProfiler.collectGarbage', {}, t.sessionId).catch(() => {});
}

function summarizeDump(dump) {
  const a = dump.allocators;
  const size = (n) => a[n]?.size;
  const rows = [];
  const tops = Object.keys(a).filter((n) => !n.includes('/'));
  for (const n of tops.sort()) rows.push([n, size(n)]);
  // V8 per isolate, and wasm code / array buffers where Chromium reports them.
  const details = Object.keys(a)
    .filter((n) => /^v8\/[^/]+$|^v8\/[^/]+\/(heap|malloc|zone|wasm|code_stats|global_handles)[^/]*$|^v8\/[^/]+\/heap\/[^/]+$|^malloc\/[^/]+$|^partition_alloc\/partitions\/[^/]+$|^blink_gc\/[^/]+$|^skia\/[^/]+$|^cc\/[^/]+$|^gpu\/[^/]+$|^web_cache\/[^/]+$|^discardable\/[^/]+$|^canvas\/[^/]+$|^blink_objects\/[^/]+$/.test(n))
    .map((n) => [n, size(n)]);
  return { tops: rows, details };
}

async function snapshot(label, cdp, attached, pagePid) {
  const pid = pagePid();
  const all = renderers();
  const s = {
    label,
    pid,
    renderersMB: all.map((r) => ({ pid: r.pid, rssMB: MB(r.rss) })),
    rollup: pid ? rollup(pid) : null,
    isolates: cdp && attachNow ? await isolates(cdp, attached) : [],
  };
  console.log(`\n== ${label}: renderer ${pid} ` + (s.rollup ? `Rss ${f(MB(s.rollup.rss))} MB (anon ${f(MB(s.rollup.anon))}, file+shmem ${f(MB(s.rollup.file))}; Pss ${f(MB(s.rollup.pss))}: anon ${f(MB(s.rollup.pssAnon))} file ${f(MB(s.rollup.pssFile))} shmem ${f(MB(s.rollup.pssShmem))})` : ''));
  console.log(`   all renderers: ${s.renderersMB.map((r) => `${r.pid}:${f(r.rssMB)}`).join(' ')}`);
  for (const i of s.isolates) {
    if (i.error) console.log(`   ${i.type} ${i.url}: ${i.error}`);
    else
      console.log(
        `   ${i.type.padEnd(14)} ${i.url.slice(0, 50).padEnd(50)} used ${f(MB(i.usedSize))} total ${f(MB(i.totalSize))} embedder ${f(MB(i.embedderHeapUsedSize ?? NaN))} backing stores ${f(MB(i.backingStorageSize ?? NaN))} MB`,
      );
  }
  return s;
}

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const server = await serve(DIST);
const chromiumArgs = [...CHROMIUM_ARGS, `--remote-debugging-port=${PORT}`, ...EXTRA];
if (JS_FLAGS) chromiumArgs.push(`--js-flags=${JS_FLAGS}`);
const profile = mkdtempSync(join(tmpdir(), 'gradlab-mem-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: chromiumArgs,
  viewport: { width: 1280, height: 900 },
  serviceWorkers: NO_SW ? 'block' : 'allow',
});
const results = { args: chromiumArgs, query: QUERY, noSw: NO_SW, states: [] };
const KEYS = ['v8', 'blink_gc', 'malloc', 'partition_alloc', 'partition_alloc/partitions/buffer', 'partition_alloc/partitions/array_buffer', 'cc', 'shared_memory', 'canvas', 'skia', 'web_cache', 'parkable_strings', 'font_caches', 'gpu', 'discardable'];
async function fullState(label, cdp, attached, pid) {
  const s = await snapshot(label, cdp, attached, () => pid);
  const sm = smaps(pid, SMAPS_TOP);
  s.smaps = sm;
  s.dump = NO_DUMP && attachNow === false ? { allocators: {} } : await memoryDump(cdp, pid);
  const a = s.dump.allocators;
  console.log(`   memory-infra (MB): ${KEYS.filter((k) => a[k]).map((k) => `${k} ${f(MB(a[k].size))}`).join(', ')}`);
  console.log(`   v8 isolates: ${Object.keys(a).filter((k) => /^v8\/[^/]+$|^v8\/workers\/[^/]+$/.test(k)).map((k) => `${k} ${f(MB(a[k].size))}`).join(', ')}`);
  console.log(`   anon Rss by kind (MB): ${Object.entries(sm.anonBySize).map(([k, v]) => `${k} ${f(MB(v))}`).join(', ')}`);
  console.log(`   Rss by file (MB): ${Object.entries(sm.byName).filter(([k, v]) => v > 1 << 20 && !k.startsWith('[anon')).map(([k, v]) => `${k} ${f(MB(v))}`).join(', ')}`);
  return s;
}
try {
  const cdp = await connectCdp();
  const attached = new Map();
  const blank = context.pages()[0] ?? (await context.newPage());
  await blank.goto('about:blank');
  await sleep(1000);
  const blankPid = largestRenderer().pid;
  results.blank = await fullState('blank tab', cdp, attached, blankPid);
  const page = await context.newPage();
  await blank.close();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  // --no-mnist: the MNIST requests never answer (what the page costs without it).
  if (NO_MNIST) await context.route('**/data/*.gz', () => {});
  await page.goto(server.url + QUERY);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 120000 });
  const pid = largestRenderer().pid;
  await sleep(NO_MNIST ? 3000 : 300);
  results.states.push(await fullState('after start-up', cdp, attached, pid));
  if (NO_MNIST) {
    await gcAll(cdp, attached);
    await sleep(1000);
    results.states.push(await fullState('after start-up, forced GC, no MNIST', cdp, attached, pid));
    await context.close();
    await server.close();
    if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify(results, null, 2));
    process.exit(0);
  }
  await page.waitForSelector('[data-testid="data-status"][data-state="ready"]', { timeout: 300000 });
  // As page-bench.mjs measures: the moment MNIST is in; then a second later.
  results.states.push(await fullState('at MNIST ready', cdp, attached, pid));
  results.mnistMs = await page.evaluate(() => window.__gradlab.lab.data?.milliseconds);
  console.log(`   MNIST fetched, unpacked and parsed in ${f(results.mnistMs)} ms (the worker's figure)`);
  await sleep(1000);
  results.states.push(await fullState('after MNIST +1s', cdp, attached, pid));
  if (!QUICK) {
    await page.getByTestId('clear-drawing').click();
    await drawOne(page);
    await page.getByTestId('setting-epochs').fill('50');
    await page.getByTestId('train-start').click();
    await page.waitForSelector('[data-testid="status"][data-phase="running"]');
    await sleep(1500);
    await page.getByTestId('train-reset').click();
    await showEveryChapter(page);
    await sleep(SETTLE * 1000);
    results.states.push(await fullState('every chapter', cdp, attached, pid));
  }
  attachNow = true;
  await isolates(cdp, attached);
  const wasm = await page.evaluate(() => window.__gradlab.lab.request({ type: 'memory-for-test' }).then((r) => r.wasmBytes));
  console.log(`   worker wasm memory: ${f(MB(wasm))} MB`);
  results.wasmMB = MB(wasm);
  // One isolate at a time: whose garbage is it?
  for (const only of ['worker', 'service_worker', 'page']) {
    await gcAll(cdp, attached, only);
    await sleep(1000);
    await gcAll(cdp, attached, only);
    await sleep(1000);
    const r = rollup(pid);
    console.log(`   after forced GC of the ${only} isolate(s): Rss ${f(MB(r.rss))} MB, anon ${f(MB(r.anon))} MB`);
    results[`gc-${only}`] = r;
  }
  const last = await fullState('after forced GC in every isolate', cdp, attached, pid);
  results.states.push(last);
  console.log('   largest mappings:');
  for (const m of last.smaps.top) console.log(`     ${f(MB(m.rss)).padStart(7)} MB rss of ${f(MB(m.size)).padStart(9)} MB ${m.perms} ${m.name}`);
  // Growth over the blank tab, per memory-infra allocator (two levels).
  const a0 = results.blank.dump.allocators;
  const a1 = last.dump.allocators;
  console.log('\n   memory-infra growth over the blank tab (MB, > 0.5):');
  for (const k of Object.keys(a1).filter((k) => k.split('/').length <= 3 && !k.includes('allocated_objects')).sort()) {
    const d = (a1[k].size ?? 0) - (a0[k]?.size ?? 0);
    if (Math.abs(d) > 512 * 1024) console.log(`     ${f(MB(a0[k]?.size ?? 0)).padStart(7)} -> ${f(MB(a1[k].size ?? 0)).padStart(7)}  ${k}`);
  }
  if (last.dump.processTotals) console.log(`   process totals: ${JSON.stringify(Object.fromEntries(Object.entries(last.dump.processTotals).map(([k, v]) => [k, typeof v === 'string' ? f(MB(parseInt(v, 16))) : v])))}`);
  cdp.close();
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify(results, null, 2));
