// Where the main thread's long tasks come from while the draw section trains
// (issues 17 and 21): records a DevTools trace of the page's main thread
// during one training run (by default with a stroke on the pad, so that
// drawings are read too) and prints
//   - the tasks by kind (a frame, a message from the worker, an input event,
//     a timer, anything else): how many, their total and the longest;
//   - the rendering of an average painted frame (style, layout, pre-paint,
//     paint, layerisation, commit, and the page's frame callbacks);
//   - each task over 50 ms with what filled it (trace events' self time,
//     then the events directly inside it, elements and objects for style
//     and layout).
// With --cpu-profile it also samples the JS (the functions with the most
// self time in the long tasks and over the run); the sampling slows a
// throttled page a lot, so the figures above are best read without it.
// --css adds a style sheet to the page, to try a CSS change without a build.
// --startup traces the page's start instead, from navigation to the moment
// it reads drawings (window.gradlabReadyMs): what its long tasks are.
// Not a test and not a benchmark (tracing slows the page): it says where to
// look; BENCHMARKS.md's figures come from page-bench.mjs and soak-bench.mjs.
// Run after a page build; an unminified one (`npx vite build --minify false
// --outDir DIR`, then `--dist DIR`) gives readable function names:
//   node www/bench/main-thread-profile.mjs [--rate 4] [--startup] [--epochs 1] [--model softmax] [--no-stroke] [--css RULES] [--cpu-profile] [--dist DIR] [--json FILE] [--trace FILE] [--categories A,B]
// --trace FILE keeps the trace's events (with thread time, `tdur`), to look
// into one frame further.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawOne } from '../tests/lesson-harness.mjs';
import { openBuiltPage } from './built-page.mjs';
import { untilRunFinished } from './run-end.mjs';
import { flag, option } from './options.mjs';

const www = join(dirname(fileURLToPath(import.meta.url)), '..');
const RATE = Number(option('--rate', '1'));
const EPOCHS = option('--epochs', '1');
const MODEL = option('--model', 'softmax');
const DIST = resolve(option('--dist', join(www, 'dist')));
const JSON_FILE = option('--json', null);
const TRACE_FILE = option('--trace', null);
const STROKE = !flag('--no-stroke');
/** A style sheet added to the page, to try a CSS change without a build. */
const CSS = option('--css', null);
/** The CPU profile names the functions, but its sampling slows a throttled page a lot. */
const CPU_PROFILE = flag('--cpu-profile');
/** Traces the start-up instead of a training run. */
const STARTUP = flag('--startup');
const LONG_US = 50_000;

// The DevTools Performance panel's own events (RunTask is in the second).
// `cc` splits a frame's commit into its parts (LayerTreeHost::DoUpdateLayers).
// --categories A,B adds trace categories (gpu, viz, mojom, ...) to look into a
// frame further with --trace.
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'toplevel', 'cc', ...(option('--categories', '') || '').split(',').filter(Boolean)];

async function readStream(cdp, handle) {
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle, size: 1 << 20 });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle });
  return JSON.parse(text);
}

/** The renderer main thread's (pid, tid): the thread named CrRendererMain
 * that ran the most top-level tasks (other renderers have one too). */
function mainThread(events) {
  const names = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  let best = null;
  let most = -1;
  for (const n of names) {
    const count = events.filter((e) => e.pid === n.pid && e.tid === n.tid && e.name === 'RunTask').length;
    if (count > most) [best, most] = [n, count];
  }
  return best;
}

/** What filled a task: the total of each event's self time, by name. */
function breakdown(events, task) {
  const end = task.ts + task.dur;
  const inside = events.filter((e) => e.ph === 'X' && e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  // Self time: an event's duration less that of the events directly inside it.
  const self = new Map();
  const stack = [];
  for (const e of inside) {
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    if (stack.length) {
      const parent = stack[stack.length - 1];
      self.set(parent, (self.get(parent) ?? parent.dur) - e.dur);
    }
    self.set(e, self.get(e) ?? e.dur);
    stack.push(e);
  }
  const byName = new Map();
  for (const [e, us] of self) byName.set(e.name, (byName.get(e.name) ?? 0) + us);
  return [...byName].sort((a, b) => b[1] - a[1]).filter(([, us]) => us >= 1000);
}

/** The events directly inside a task, through the scheduler's wrappers, of 1 ms or more. */
function children(events, task) {
  const end = task.ts + task.dur;
  const inside = events.filter((e) => e.ph === 'X' && e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const wrapper = (e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask' || e.name === 'Receive mojo message';
  const top = [];
  for (const e of inside) {
    if (wrapper(e)) continue;
    if (!top.length || top[top.length - 1].ts + top[top.length - 1].dur <= e.ts) top.push(e);
  }
  return top.filter((e) => e.dur >= 1000);
}

function describeEvent(e) {
  const d = e.args?.data ?? {};
  const b = e.args?.beginData ?? {};
  let where = d.functionName ? ` ${d.functionName}` : d.url ? ` ${d.url.split('/').pop()}:${d.lineNumber ?? ''}` : d.type ? ` ${d.type}` : '';
  if (e.name === 'UpdateLayoutTree') where = ` (${e.args?.elementCount ?? d.elementCount ?? '?'} elements)`;
  if (e.name === 'Layout') where = ` (${b.dirtyObjects ?? '?'} of ${b.totalObjects ?? '?'} objects)`;
  return `${e.name}${where} ${(e.dur / 1000).toFixed(0)}`;
}

/** Self time per function (ms) of the CPU profile's samples inside the windows. */
function hotFunctions(profile, windows) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (!windows.some(([a, b]) => t >= a && t < b)) continue;
    const next = profile.timeDeltas[i + 1] ?? 0;
    const f = nodes.get(profile.samples[i]).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + next / 1000);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
}

const { context, url, close } = await openBuiltPage(DIST, 'profile');
try {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  const cdp = await context.newCDPSession(page);
  const startTracing = async () => {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: RATE });
    if (CPU_PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { recordMode: 'recordAsMuchAsPossible', includedCategories: CATEGORIES } });
  };
  if (STARTUP) {
    // The style sheet goes in as soon as the document has a head, before its first layout.
    if (CSS) {
      await page.addInitScript((css) => {
        const add = () => {
          if (!document.head) return false;
          const style = document.createElement('style');
          style.textContent = css;
          document.head.append(style);
          return true;
        };
        if (!add()) new MutationObserver((_, observer) => add() && observer.disconnect()).observe(document, { childList: true, subtree: true });
      }, CSS);
    }
    await startTracing();
    const started = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => window.gradlabReadyMs !== undefined, null, { timeout: 300000 });
    console.log(`the page read drawings ${((Date.now() - started) / 1000).toFixed(1)} s after the navigation began`);
  } else {
    await page.goto(url);
    await page.waitForSelector('[data-testid="data-status"][data-state="ready"]', { timeout: 300000 });
    if (CSS) await page.addStyleTag({ content: CSS });
    // A "1" on the pad, read again by each new state of the network.
    if (STROKE) {
      await drawOne(page);
    }
    await page.getByTestId(`model-${MODEL}`).check();
    await page.getByTestId('setting-epochs').fill(EPOCHS);
    await page.getByTestId('learning-curve').scrollIntoViewIfNeeded();
    await startTracing();
    const started = Date.now();
    await page.getByTestId('train-start').click();
    await untilRunFinished(page);
    console.log(`the run took ${((Date.now() - started) / 1000).toFixed(1)} s from the click to the finished state`);
  }
  // The end-of-run figures follow the finished state: give them frames.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0)))));
  await page.evaluate(() => new Promise((done) => (window.requestIdleCallback ?? setTimeout)(done)));
  const profile = CPU_PROFILE ? (await cdp.send('Profiler.stop')).profile : null;
  const complete = new Promise((done) => cdp.once('Tracing.tracingComplete', done));
  await cdp.send('Tracing.end');
  const { stream } = await complete;
  const trace = await readStream(cdp, stream);
  const events = trace.traceEvents ?? trace;
  if (TRACE_FILE) writeFileSync(TRACE_FILE, JSON.stringify(events));

  const main = mainThread(events);
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid);
  const tasks = onMain.filter((e) => e.name === 'RunTask' && e.ph === 'X');
  const long = tasks.filter((e) => e.dur >= LONG_US).sort((a, b) => a.ts - b.ts);
  const first = tasks.length ? tasks[0].ts : 0;
  const busy = tasks.reduce((sum, e) => sum + e.dur, 0);
  const span = tasks.length ? tasks[tasks.length - 1].ts - first : 0;
  console.log(`CPU throttling ${RATE}x, ${STARTUP ? 'start-up' : `${MODEL}, ${EPOCHS} epoch(s)`}: ${tasks.length} main-thread tasks over ${(span / 1e6).toFixed(1)} s, busy ${(busy / 1000).toFixed(0)} ms; ${long.length} over 50 ms, the longest ${(Math.max(0, ...long.map((t) => t.dur)) / 1000).toFixed(0)} ms`);
  const whole = breakdown(onMain, { ts: first - 1, dur: span + 1e9 });
  const frames = onMain.filter((e) => e.name === 'Layerize' && e.ph === 'X');
  const perFrame = (name) => onMain.filter((e) => e.name === name && e.ph === 'X').reduce((sum, e) => sum + e.dur, 0) / Math.max(1, frames.length) / 1000;
  console.log(`  ${frames.length} frames painted; per frame: ${['UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit', 'FireAnimationFrame'].map((n) => `${n} ${perFrame(n).toFixed(1)} ms`).join(', ')}`);
  // The median is less moved than the mean by a run's few outsized frames
  // (the charts' first drawing, a frame the training worker kept waiting).
  const median = (name) => {
    const times = onMain.filter((e) => e.name === name && e.ph === 'X').map((e) => e.dur / 1000).sort((a, b) => a - b);
    return times.length ? times[Math.floor(times.length / 2)] : 0;
  };
  console.log(`  median: ${['Paint', 'Layerize', 'Commit'].map((n) => `${n} ${median(n).toFixed(1)} ms`).join(', ')}`);
  // What kinds of task kept the thread busy: a frame (it layerises), a
  // message from the worker, an input event, a timer, or anything else.
  const kinds = new Map();
  const sorted = onMain.filter((e) => e.ph === 'X').sort((a, b) => a.ts - b.ts);
  let cursor = 0;
  for (const task of tasks.sort((a, b) => a.ts - b.ts)) {
    while (cursor < sorted.length && sorted[cursor].ts < task.ts) cursor++;
    const names = new Set();
    for (let i = cursor; i < sorted.length && sorted[i].ts < task.ts + task.dur; i++) names.add(sorted[i].name);
    const kind = names.has('Layerize') || names.has('Paint') || names.has('FireAnimationFrame') ? 'frame' : names.has('HandlePostMessage') ? 'message' : names.has('EventDispatch') ? 'input' : names.has('TimerFire') ? 'timer' : 'other';
    const k = kinds.get(kind) ?? { count: 0, us: 0, longest: 0 };
    k.count++;
    k.us += task.dur;
    k.longest = Math.max(k.longest, task.dur);
    kinds.set(kind, k);
  }
  console.log(`  tasks by kind: ${[...kinds].map(([kind, k]) => `${kind} ${k.count} (${(k.us / 1000).toFixed(0)} ms, longest ${(k.longest / 1000).toFixed(0)})`).join(', ')}`);
  console.log(`  the whole run by event (self time): ${whole.slice(0, 12).map(([n, us]) => `${n} ${(us / 1000).toFixed(0)}`).join(', ')}`);
  for (const task of long) {
    const parts = breakdown(onMain, task).slice(0, 8);
    console.log(`  at ${((task.ts - first) / 1e6).toFixed(2)} s, ${(task.dur / 1000).toFixed(0)} ms: ${parts.map(([n, us]) => `${n} ${(us / 1000).toFixed(0)}`).join(', ')}`);
    console.log(`    in it: ${children(onMain, task).map(describeEvent).join('; ')}`);
  }
  const hot = profile ? hotFunctions(profile, long.map((t) => [t.ts, t.ts + t.dur])) : [];
  const allHot = profile ? hotFunctions(profile, [[0, Infinity]]).filter(([name]) => !name.startsWith('(idle)') && !name.startsWith('(program)')) : [];
  if (profile) {
    console.log('  functions in the long tasks (self ms):');
    for (const [name, ms] of hot) console.log(`    ${ms.toFixed(1).padStart(7)}  ${name}`);
    console.log('  functions over the whole run (self ms):');
    for (const [name, ms] of allHot.slice(0, 15)) console.log(`    ${ms.toFixed(1).padStart(7)}  ${name}`);
  }
  if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify({ rate: RATE, long: long.map((t) => ({ at: t.ts - first, ms: t.dur / 1000, parts: breakdown(onMain, t) })), hot, allHot }, null, 2));
} finally {
  await close();
}
