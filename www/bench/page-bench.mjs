// The page on a slow laptop (issue 21), measured: headless Chromium with its
// CPU throttled through the DevTools protocol (Emulation.setCPUThrottlingRate:
// 1 = this machine, 4 = about a school Chromebook), and for each rate
//   - start-up: the main thread's long tasks (over 50 ms, PerformanceObserver
//     'longtask') until the page reads drawings: how many, their total and
//     the longest; and the time to that moment (window.gradlabReadyMs);
//   - reading a stroke: from its last ink to the reading of the image that
//     holds it, idle and while the softmax network trains;
//   - the longest main-thread task while it trains;
//   - the main thread's long tasks while it still trains and the learner
//     scrolls to the learning curves, which brings part 2 (and at times part
//     3) near enough to be built during the run;
//   - memory: the renderer process's resident size (its worker threads and
//     their WebAssembly memories included) for a blank tab, after start-up,
//     once MNIST is in, and with every chapter built and shown (at once,
//     and again after the tab was left alone for each of --settle-ms, 10
//     and 40 s); beside it the page's JS heap and the worker's WebAssembly
//     memory. Measured in a second browser that Playwright does not drive
//     (bare-page.mjs), whose renderer holds no DevTools copy of the fetched
//     files.
// Not a test: it prints the figures (and writes them with --json FILE) for
// BENCHMARKS.md. Run after scripts/build-page.sh:
//   node www/bench/page-bench.mjs [--rates 1,4] [--strokes 5] [--json FILE] [--dist DIR] [--devtools-network] [--gpu] [--settle-ms 10000,40000]
//   node www/bench/page-bench.mjs --startup-runs 30 [--rates 4] [--dist DIR] [--against DIR]
// (--dist: another build of the page, to compare two builds one after the other;
// --devtools-network: the memory run with the Network domain on, as Playwright has it;
// --gpu: Chromium with a GPU process (SwiftShader, on the CPU) instead of
// --disable-gpu, so that the page's tiles are rastered and kept there, as on
// a laptop with a GPU; the GPU process's resident size is reported either way).
// With every chapter shown it also says where the renderer's growth over the
// blank tab is: its resident size by kind (/proc) and by Chromium's allocators
// (a memory-infra dump; some of them hold others, so they do not add up).
// With --startup-runs N it measures only the start-up, N times at each rate
// (a fresh browser each time), and prints each run, the medians and the
// quartiles: the start-up's long tasks vary a lot from run to run on a
// shared machine. --against DIR alternates those start-ups with another
// build's, one by one, and gives the ratio of their medians: on a 2-core
// machine the median of the same build moved from 208 to 301 ms within a
// quarter of an hour (BENCHMARKS.md, issue 21, seventeenth round), so two
// builds compare only within one such set.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, drawOne } from '../tests/lesson-harness.mjs';
import { launchBare } from './bare-page.mjs';
import { memoryDump, privateFootprint } from './memory-dump.mjs';
import { serve } from '../tests/static-server.mjs';
import { largestRenderer, processes } from './renderers.mjs';
import { flag, option } from './options.mjs';

const www = join(dirname(fileURLToPath(import.meta.url)), '..');
const RATES = option('--rates', '1,4').split(',').map(Number);
const STROKES = Number(option('--strokes', '5'));
const STARTUP_RUNS = Number(option('--startup-runs', '0'));
/** Another build whose start-ups alternate with --dist's (--startup-runs only). */
const againstOption = option('--against', null);
const AGAINST = againstOption === null ? null : resolve(againstOption);
// The memory run with DevTools' Network domain on, as Playwright has it (bare-page.mjs).
const DEVTOOLS_NETWORK = flag('--devtools-network');
const GPU = flag('--gpu');
// SwiftShader through ANGLE: Chromium's GPU process on the CPU, as this
// machine has no GPU; it rasters and keeps the tiles the renderer would
// otherwise raster itself with --disable-gpu.
const BROWSER_ARGS = GPU ? [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] : CHROMIUM_ARGS;
const JSON_FILE = option('--json', null);
const DIST = resolve(option('--dist', join(www, 'dist')));
// How long the tab is left alone with every chapter shown before it is
// measured again, once at each of these times. At 10 s a first visit's
// service worker is often still installing in the page's renderer (it
// registers once the page is idle after MNIST and any run); at 40 s the tab
// held what a build without it held (BENCHMARKS.md, issue 21, seventeenth
// round).
const SETTLE_MS = option('--settle-ms', '10000,40000').split(',').map(Number);
if (!SETTLE_MS.every((ms, i) => Number.isFinite(ms) && ms >= (SETTLE_MS[i - 1] ?? 0))) throw new Error(`--settle-ms takes times in ms from the shortest, such as 10000,40000; not ${SETTLE_MS.join(',')}`);

/** How long the long tasks are still collected after part 2 is built,
 * once the learning curves were scrolled into view during a run (its first
 * figures are drawn in the frames after it is built). */
const SCROLL_WINDOW_MS = 1000;

/** The value a `fraction` of the way through `values`, sorted. */
const quantile = (values, fraction) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * fraction + 0.5)];
const median = (values) => quantile(values, 0.5);
const mb = (bytes) => bytes / 1e6;

/** Draws a "1" and returns ms from its last ink to the reading of the
 * image that holds it (the canvas's data-inked-at and the prediction's
 * data-taken-at and data-shown-at, set by chapters/draw/index.ts). */
async function strokeToReading(page) {
  await page.getByTestId('clear-drawing').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]')?.textContent === '');
  await drawOne(page);
  const reading = await page.waitForFunction(
    () => {
      const inked = Number(document.querySelector('[data-testid="draw-canvas"]')?.dataset.inkedAt);
      const output = document.querySelector('[data-testid="prediction"]')?.dataset;
      return Number(output?.takenAt) >= inked ? Number(output.shownAt) - inked : null;
    },
    null,
    { timeout: 60000 },
  );
  return reading.jsonValue();
}

/** Long tasks recorded by the page since `since` (ms on its clock). */
async function longTasks(page, since = 0, until = Infinity) {
  const tasks = await page.evaluate(([from, to]) => window.__longTasks.filter((t) => t.start >= from && t.start < to), [since, until]);
  const durations = tasks.map((t) => t.duration);
  return { count: durations.length, totalMs: durations.reduce((a, b) => a + b, 0), longestMs: Math.max(0, ...durations) };
}

/** The renderer's memory for a blank tab, after start-up, once MNIST is in,
 * and with every chapter shown after a drawing and a run of the softmax
 * network (as the timing run does), measured in a browser of its own that
 * Playwright does not drive: bare-page.mjs says why. */
async function measureMemory(rate, server, executablePath) {
  const browser = await launchBare(executablePath, BROWSER_ARGS);
  try {
    // Resident size (in all and by kind), and Chromium's own measure of what
    // the process costs with its allocators' sizes.
    const renderer = async () => {
      const largest = largestRenderer(browser.processGroup);
      if (!largest) throw new Error('the bare browser has no renderer process');
      const { pid, rss, anon, file, shmem } = largest;
      const dump = await memoryDump(browser.cdp, pid);
      const allocatorsMB = Object.fromEntries(Object.entries(dump.allocators).filter(([name]) => !name.includes('/')).map(([name, a]) => [name, mb(a.size ?? 0)]));
      const gpu = processes('gpu-process', browser.processGroup)[0];
      return { rendererMB: mb(rss), anonMB: mb(anon), fileMB: mb(file), shmemMB: mb(shmem), footprintMB: mb(privateFootprint(dump)), allocatorsMB, gpuProcessMB: gpu ? mb(gpu.rss) : null };
    };
    const page = await browser.newTab(rate, { devtoolsNetwork: DEVTOOLS_NETWORK });
    const blank = await renderer();
    await page.navigate(server.url);
    const state = async () => ({
      ...(await renderer()),
      ...(await page.jsHeap().then(({ used, total }) => ({ jsHeapMB: mb(used), jsHeapTotalMB: mb(total) }))),
      wasmMB: mb(await page.evaluate(() => window.__gradlab.lab.request({ type: 'memory-for-test' }).then((r) => r.wasmBytes))),
    });
    // Between documents, the new one may not have its root yet.
    await page.waitFor(() => document.documentElement?.dataset.ready === 'true', null, { what: 'the page to read drawings' });
    const afterStartup = await state();
    await page.waitFor(() => document.querySelector('[data-testid="data-status"]')?.dataset.state === 'ready', null, { timeoutMs: 300000, what: 'MNIST' });
    const afterMnist = await state();

    // The stroke drawOne() draws, in the viewport's pixels.
    const [x, y, width, height] = await page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="draw-canvas"]');
      canvas.scrollIntoView({ block: 'center' });
      const box = canvas.getBoundingClientRect();
      return [box.x, box.y, box.width, box.height];
    });
    const stroke = Array.from({ length: 9 }, (_, i) => [x + (0.53 - 0.06 * (i / 8)) * width, y + (0.14 + 0.72 * (i / 8)) * height]);
    await page.drag(stroke);
    await page.waitFor(() => document.querySelector('[data-testid="prediction"]')?.textContent !== '', null, { what: 'the drawing to be read' });
    // One epoch (600 steps of 100 images) of a 50-epoch run, then Reset.
    await page.evaluate(() => {
      document.querySelector('[data-testid="setting-epochs"]').value = '50';
      document.querySelector('[data-testid="train-start"]').click();
    });
    await page.waitFor(() => Number(document.querySelector('[data-testid="iteration"]')?.dataset.value) >= 600, null, { timeoutMs: 300000, what: 'an epoch of training' });
    await page.click('train-reset');
    for (let n = 1; n <= 10; n++) {
      await page.waitFor(
        (id) => {
          const chapter = document.querySelector(`[data-testid="${id}"]`);
          chapter.scrollIntoView();
          return chapter.dataset.mounted === 'true';
        },
        `chapter-${n}`,
        { what: `chapter ${n} to be built` },
      );
    }
    await page.waitFor(() => document.querySelector('[data-testid="features-load-status"]')?.dataset.state === 'ready', null, { what: "part 10's features" });
    const allChapters = await state();
    // The same tab left alone: Chromium lets go of the tiles it rastered
    // while the page scrolled a few seconds after the scrolling stops
    // (software raster, --disable-gpu: 28 MB of tiles became 11 between 2
    // and 5 s later in a scratch run, BENCHMARKS.md issue 21), which is
    // how a learner's tab spends most of its time.
    const settled = [];
    let waited = 0;
    for (const ms of SETTLE_MS) {
      await new Promise((resolve) => setTimeout(resolve, ms - waited));
      waited = ms;
      settled.push({ afterMs: ms, ...(await state()) });
    }
    // How much of that is garbage the heaps had not yet collected. Twice, as
    // mem-probe.mjs does: V8 frees some pages only in a second collection.
    for (let round = 0; round < 2; round++) {
      await page.collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const afterGc = await state();
    return { blank, afterStartup, afterMnist, allChapters, settled, afterGc };
  } finally {
    await browser.close();
  }
}

async function measure(rate, server, executablePath, startupOnly = false) {
  const profile = mkdtempSync(join(tmpdir(), 'gradlab-bench-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: BROWSER_ARGS, viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  try {
    const page = await context.newPage();
    page.on('crash', () => console.error(`the page crashed (CPU throttling ${rate}x)`));
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && console.error(`console error: ${message.text()}`));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    await page.goto(server.url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 120000 });
    const readyMs = await page.evaluate(() => window.gradlabReadyMs);
    const startup = await longTasks(page, 0, readyMs);
    if (startupOnly) return { rate, readyMs, startup };

    await page.waitForSelector('[data-testid="data-status"][data-state="ready"]', { timeout: 300000 });
    // The worker's own measure, from the first request to the data in the module (the status line's "in 0.7 s").
    const mnistSeconds = Number((await page.getByTestId('data-status').textContent()).match(/in ([\d.]+) s\.$/)?.[1]);

    const idle = [];
    for (let i = 0; i < STROKES; i++) idle.push(await strokeToReading(page));

    await page.getByTestId('setting-epochs').fill('50');
    await page.getByTestId('train-start').click();
    await page.waitForSelector('[data-testid="status"][data-phase="running"]');
    const trainingFrom = await page.evaluate(() => performance.now());
    const training = [];
    for (let i = 0; i < STROKES; i++) training.push(await strokeToReading(page));
    const stillRunning = (await page.getByTestId('status').getAttribute('data-phase')) === 'running';
    const trainingTo = await page.evaluate(() => performance.now());
    const whileTraining = await longTasks(page, trainingFrom, trainingTo);
    // The learner scrolls down to watch the curves while a run goes on. A
    // new run for it: a 50-epoch run, the most the page allows, is about 5 s
    // of training (the worker is not throttled) and may be ending by now.
    await page.getByTestId('train-reset').click();
    await page.waitForSelector('[data-testid="status"][data-phase="idle"]');
    await page.getByTestId('train-start').click();
    await page.waitForSelector('[data-testid="status"][data-phase="running"]');
    const scrollFrom = await page.evaluate(() => performance.now());
    await page.getByTestId('learning-curve').scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-testid="chapter-2"][data-mounted="true"]', { state: 'attached', timeout: 120000 });
    await new Promise((resolve) => setTimeout(resolve, SCROLL_WINDOW_MS));
    const scrolledStillRunning = (await page.getByTestId('status').getAttribute('data-phase')) === 'running';
    const whileScrolling = await longTasks(page, scrollFrom, await page.evaluate(() => performance.now()));
    await page.getByTestId('train-reset').click();
    return {
      rate,
      readyMs,
      mnistSeconds,
      startup,
      strokeIdleMs: median(idle),
      strokeTrainingMs: median(training),
      trainingStillRunning: stillRunning,
      whileTraining,
      scrolledStillRunning,
      whileScrolling,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (AGAINST && STARTUP_RUNS === 0) throw new Error('--against compares start-ups only: give --startup-runs N too');
const server = await serve(DIST);
const against = AGAINST ? await serve(AGAINST) : null;
const results = [];
try {
  for (const rate of RATES) {
    if (STARTUP_RUNS > 0) {
      for (let run = 0; run < STARTUP_RUNS; run++) {
        results.push({ build: DIST, ...(await measure(rate, server, executablePath, true)) });
        if (against) results.push({ build: AGAINST, ...(await measure(rate, against, executablePath, true)) });
      }
    } else {
      // After measure() has closed its browser, whose renderer would be the largest.
      results.push({ ...(await measure(rate, server, executablePath)), memory: await measureMemory(rate, server, executablePath) });
    }
  }
} finally {
  await server.close();
  await against?.close();
}
const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => Number(l.toFixed(2))), date: new Date().toISOString() };
const f = (x) => x.toFixed(0);
const startupLine = (r) => `ready in ${f(r.readyMs)} ms; long tasks ${r.startup.count}, ${f(r.startup.totalMs)} ms in all, the longest ${f(r.startup.longestMs)} ms`;
if (STARTUP_RUNS > 0) {
  const builds = AGAINST ? [DIST, AGAINST] : [DIST];
  for (const rate of RATES) {
    const medians = [];
    for (const build of builds) {
      const runs = results.filter((r) => r.rate === rate && r.build === build);
      console.log(`CPU throttling ${rate}x, start-up, ${runs.length} runs${AGAINST ? ` of ${build}` : ''}`);
      for (const r of runs) console.log(`  ${startupLine(r)}`);
      const of = (pick) => f(median(runs.map(pick)));
      const totals = runs.map((r) => r.startup.totalMs);
      medians.push(median(totals));
      console.log(`  medians: ready in ${of((r) => r.readyMs)} ms; long tasks ${f(medians.at(-1))} ms in all, the longest ${of((r) => r.startup.longestMs)} ms`);
      console.log(`  long tasks in all: quartiles ${f(quantile(totals, 0.25))} and ${f(quantile(totals, 0.75))} ms; at most 200 ms in ${totals.filter((t) => t <= 200).length} of ${runs.length} runs`);
    }
    if (AGAINST) console.log(`  the first build's median over the second's: ${medians[1] > 0 ? (medians[0] / medians[1]).toFixed(2) : 'n/a (the second had none)'}`);
  }
} else {
  for (const r of results) {
    console.log(`CPU throttling ${r.rate}x`);
    console.log(`  start-up: ${startupLine(r)}`);
    console.log(`  MNIST loaded in ${r.mnistSeconds.toFixed(1)} s (the worker's measure)`);
    console.log(`  stroke to reading: ${f(r.strokeIdleMs)} ms idle, ${f(r.strokeTrainingMs)} ms while training (+${f(r.strokeTrainingMs - r.strokeIdleMs)} ms)${r.trainingStillRunning ? '' : ' (the run ended during the strokes)'}`);
    console.log(`  while training: long tasks ${r.whileTraining.count}, the longest ${f(r.whileTraining.longestMs)} ms`);
    console.log(`  scrolling to the curves while training (part 2 built meanwhile): long tasks ${r.whileScrolling.count}, the longest ${f(r.whileScrolling.longestMs)} ms, ${f(r.whileScrolling.totalMs)} ms in all${r.scrolledStillRunning ? '' : ' (the run ended meanwhile)'}`);
    const m = r.memory;
    const over = (x, key) => `${f(x[key])} MB (${f(x[key] - m.blank[key])} over a blank tab)`;
    const row = (name, x) => `  ${name}: resident ${over(x, 'rendererMB')}, footprint ${over(x, 'footprintMB')}; page JS heap ${f(x.jsHeapMB)} MB in use of ${f(x.jsHeapTotalMB)}, wasm ${f(x.wasmMB)} MB`;
    console.log(`  memory of the renderer: a blank tab resident ${f(m.blank.rendererMB)} MB, footprint ${f(m.blank.footprintMB)} MB`);
    console.log(row('after start-up', m.afterStartup));
    console.log(row('after MNIST', m.afterMnist));
    console.log(row('every chapter', m.allChapters));
    for (const later of m.settled) console.log(row(`every chapter, ${later.afterMs / 1000} s later (the tab left alone)`, later));
    console.log(row('every chapter, then a forced GC in every heap', m.afterGc));
    const grew = (key, state = m.allChapters) => f(state[key] - m.blank[key]);
    const byKind = (state) => `anonymous ${grew('anonMB', state)} MB, file-backed (Chromium's binary and libraries, shared) ${grew('fileMB', state)} MB, shared memory ${grew('shmemMB', state)} MB`;
    console.log(`    its growth over a blank tab by kind: ${byKind(m.allChapters)}; ${m.settled.map((later) => `left alone ${later.afterMs / 1000} s: ${byKind(later)}`).join('; ')}`);
    const allocators = (state) =>
      Object.keys(state.allocatorsMB)
        .map((name) => [name, state.allocatorsMB[name] - (m.blank.allocatorsMB[name] ?? 0)])
        .filter(([, growth]) => Math.abs(growth) >= 0.5)
        .sort((x, y) => y[1] - x[1])
        .map(([name, growth]) => `${name} ${f(growth)}`)
        .join(', ');
    console.log(`    by Chromium's allocators (memory-infra, MB over a blank tab): ${allocators(m.allChapters)}; ${m.settled.map((later) => `left alone ${later.afterMs / 1000} s: ${allocators(later)}`).join('; ')}; after the forced GC: ${allocators(m.afterGc)}`);
    const a = m.allChapters;
    if (a.gpuProcessMB !== null) console.log(`  the GPU process: resident ${f(m.blank.gpuProcessMB)} MB with a blank tab, ${f(a.gpuProcessMB)} MB with every chapter`);
  }
}
console.log(`machine: ${machine.cpus} x ${machine.model}, load average ${machine.loadavg.join(' ')}`);
if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify({ machine, results }, null, 2));
