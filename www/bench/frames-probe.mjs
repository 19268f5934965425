// Which script makes a long frame (issue 21): the page's long animation
// frames (PerformanceObserver 'long-animation-frame': frames and tasks over
// 50 ms, each with the scripts that ran in it, their duration and source),
// at start-up and, with --train, while the draw section trains the softmax
// network, in headless Chromium with the CPU throttled as page-bench.mjs
// does. While training it sums each script's time over the long frames and
// prints the frames that blocked longest. With --profile it also samples
// the JS (the DevTools protocol's Profiler, 200 µs) and prints the functions
// with the most self and total time; --under NAME keeps only the samples
// with NAME ("function file:line") on their stack. Not a benchmark: it says
// where to look (BENCHMARKS.md's figures come from page-bench.mjs). An
// unminified build (`npx vite build --minify false --outDir DIR`) gives
// readable names. Run after a page build:
//   node www/bench/frames-probe.mjs [--rate 4] [--train] [--epochs 8] [--profile] [--under NAME] [--dist DIR]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBuiltPage } from './built-page.mjs';
import { untilRunFinished } from './run-end.mjs';
import { flag, option } from './options.mjs';

const www = join(dirname(fileURLToPath(import.meta.url)), '..');
const RATE = Number(option('--rate', '4'));
const DIST = resolve(option('--dist', join(www, 'dist')));
const EPOCHS = option('--epochs', '8');
const UNDER = option('--under', null);
const TRAIN = flag('--train');
const PROFILE = flag('--profile');

/** Prints frames with their scripts. */
function show(frames) {
  for (const f of frames) {
    console.log(`  at ${f.start.toFixed(0)} ms: ${f.duration.toFixed(0)} ms (blocking ${f.blocking.toFixed(0)}), rendering from +${f.renderStart.toFixed(0)}, style and layout from +${f.styleLayout.toFixed(0)}`);
    for (const s of f.scripts) console.log(`    ${s.duration} ms ${s.type} ${s.invoker} ${s.source} (forced style and layout ${s.forcedLayout} ms)`);
  }
}

/** Self and total time by function in a CPU profile (samples under UNDER only, if given). */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const total = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(profile.samples[i]);
    const stack = [];
    for (let n = leaf; n; n = byId.get(parent.get(n.id))) stack.push(name(n));
    if (UNDER && !stack.includes(UNDER)) continue;
    self.set(stack[0], (self.get(stack[0]) ?? 0) + ms);
    for (const frame of new Set(stack)) total.set(frame, (total.get(frame) ?? 0) + ms);
  }
  const top = (map) =>
    [...map]
      .filter(([k]) => !/^\((idle|program|root)\)/.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, v]) => `  ${v.toFixed(0)} ms ${k}`)
      .join('\n');
  console.log(`self time${UNDER ? ` under ${UNDER}` : ''}\n${top(self)}\ntotal time\n${top(total)}`);
}

const { context, url, close } = await openBuiltPage(DIST, 'frames');
try {
  await context.addInitScript(() => {
    window.__frames = [];
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__frames.push({
          start: e.startTime,
          duration: e.duration,
          blocking: e.blockingDuration,
          renderStart: e.renderStart ? e.renderStart - e.startTime : e.duration,
          styleLayout: e.styleAndLayoutStart ? e.styleAndLayoutStart - e.startTime : e.duration,
          scripts: e.scripts.map((s) => ({
            type: s.invokerType,
            invoker: s.invoker,
            source: `${s.sourceFunctionName || ''} ${(s.sourceURL || '').split('/').pop()}:${s.sourceCharPosition}`.trim(),
            duration: Math.round(s.duration),
            forcedLayout: Math.round(s.forcedStyleAndLayoutDuration),
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: RATE });
  if (PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 120000 });
  const ready = await page.evaluate(() => window.gradlabReadyMs);
  const tasks = await page.evaluate((r) => window.__longTasks.filter((t) => t.start < r).map((t) => Math.round(t.duration)), ready);
  console.log(`CPU throttling ${RATE}x: ready in ${ready.toFixed(0)} ms; long tasks before it (ms): ${tasks.join(', ') || 'none'}`);
  show(await page.evaluate((r) => window.__frames.filter((f) => f.start < r), ready));

  if (TRAIN) {
    await page.waitForSelector('[data-testid="data-status"][data-state="ready"]', { timeout: 300000 });
    await page.getByTestId('setting-epochs').fill(EPOCHS);
    if (PROFILE) {
      await cdp.send('Profiler.stop');
      await cdp.send('Profiler.start');
    }
    const from = await page.evaluate(() => performance.now());
    await page.getByTestId('train-start').click();
    await untilRunFinished(page);
    const frames = await page.evaluate((t) => window.__frames.filter((f) => f.start > t), from);
    const long = await page.evaluate((t) => window.__longTasks.filter((x) => x.start > t).map((x) => Math.round(x.duration)), from);
    console.log(`while training (${EPOCHS} epochs): ${long.length} long tasks (ms): ${long.join(', ')}; ${frames.length} long frames`);
    const bySource = new Map();
    for (const f of frames) {
      for (const s of f.scripts) {
        const key = `${s.type} ${s.invoker} ${s.source}`;
        const sum = bySource.get(key) ?? { count: 0, total: 0, longest: 0 };
        sum.count += 1;
        sum.total += s.duration;
        sum.longest = Math.max(sum.longest, s.duration);
        bySource.set(key, sum);
      }
    }
    console.log('scripts in them:');
    for (const [key, s] of [...bySource].sort((a, b) => b[1].total - a[1].total).slice(0, 12)) {
      console.log(`  ${key}: ${s.count} times, ${s.total} ms in all, the longest ${s.longest} ms`);
    }
    const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
    console.log(`a long frame's time before rendering: median ${median(frames.map((f) => f.renderStart)).toFixed(0)} ms; from style and layout to its end: median ${median(frames.map((f) => f.duration - f.styleLayout)).toFixed(0)} ms`);
    console.log('the frames that blocked longest:');
    show(frames.sort((a, b) => b.blocking - a.blocking).slice(0, 4));
  }
  if (PROFILE) summarize((await cdp.send('Profiler.stop')).profile);
} finally {
  await close();
}
