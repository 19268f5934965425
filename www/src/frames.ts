// Start-up in short tasks: a slow laptop runs a task of 50 ms or more as a
// pause the learner feels (a click or a stroke waits for it), so the page is
// built in steps, each in its own task, with the browser free to render
// and to handle input between them (BENCHMARKS.md, issue 21).

/** Resolves in a new task after the browser has rendered what the page
 * changed so far, so that the next step and the layout of this one are
 * separate tasks. A hidden tab renders no frames: a timer stands in. */
export function afterNextFrame(): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const next = () => {
      if (done) return;
      done = true;
      setTimeout(resolve, 0);
    };
    requestAnimationFrame(next);
    setTimeout(next, 100);
  });
}

/** Calls `then` when the browser is idle (in `timeout` ms at the latest). */
export function whenIdle(then: () => void, timeout = 3000): void {
  if ('requestIdleCallback' in window) requestIdleCallback(then, { timeout });
  else setTimeout(then, 0);
}

// While a network trains, the draw section's panels (the learning curves,
// the weight images, the training state) each have something new to show
// several times a second. Drawn all in one frame, on a slow laptop, they
// make a frame longer than 50 ms (at 4x CPU throttling, measured with
// bench/frames-probe.mjs: the curves 13-14 ms a frame and up to 150 ms when
// their axes change, the training state 5-13 ms, then the browser's own
// rendering; BENCHMARKS.md, issue 21). They share one queue instead: each
// frame draws what was queued until it has spent FRAME_BUDGET_MS of script
// (at least one panel), and the rest waits for the next frame. On a fast
// machine everything fits in one frame, as before.

/** The script time a frame gives the queued panels once one has drawn. */
const FRAME_BUDGET_MS = 8;
const queued = new Set<() => void>();
let frameAsked = false;

// On a slow laptop a frame that draws panels costs the main thread about a
// frame's time or more (at 4x CPU throttling 25-30 ms of script and
// rendering), so while a network trains the panels kept it busy from frame to
// frame, and every so often a frame that drew more than most went over 50 ms
// (main-thread-profile.mjs; BENCHMARKS.md, issue 21, thirteenth round). After
// a frame that drew, the next one waits as long as that one took: from its
// callback to the first task after it, that is its rendering and whatever
// was queued meanwhile. The panels' frames so leave the main thread as much
// time as they take, and each draws less (at 4x, 2 ms of frame callbacks
// against 4-5 ms). A fast machine's frames take a few milliseconds, so it
// still draws in every frame. The wait is capped so that one slow frame (a
// chart's first drawing, a collection of garbage) does not hold the next
// state back for long.
const MAX_WAIT_MS = 200;
/** When the last frame that drew began, and how long it took with its rendering. */
let lastFrameStart = -Infinity;
let lastFrameCost = 0;

/** Runs `draw` in a coming animation frame, once however often it is asked
 * for before then; panels are drawn in the order they asked. */
export function drawInFrame(draw: () => void): void {
  queued.add(draw);
  askFrame();
}

function askFrame(): void {
  if (frameAsked) return;
  frameAsked = true;
  const wait = Math.min(MAX_WAIT_MS, lastFrameStart + 2 * lastFrameCost - performance.now());
  if (wait > 1) setTimeout(() => requestAnimationFrame(drawQueued), wait);
  else requestAnimationFrame(drawQueued);
}

function drawQueued(): void {
  frameAsked = false;
  const start = performance.now();
  lastFrameStart = start;
  // A task queued from a frame callback runs after that frame's rendering
  // (and after the tasks queued before it).
  setTimeout(() => {
    lastFrameCost = performance.now() - start;
  }, 0);
  let drawn = 0;
  // What was queued as the frame began; a panel that asks again while it
  // draws is drawn in the next frame.
  for (const draw of [...queued]) {
    if (drawn > 0 && performance.now() - start >= FRAME_BUDGET_MS) break;
    queued.delete(draw);
    drawn += 1;
    try {
      draw();
    } catch (error) {
      // To the page's error panel, as an exception in a frame callback went.
      reportError(error);
    }
  }
  if (queued.size > 0) askFrame();
}
