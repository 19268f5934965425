// The page: the error panel, the worker (through Lab) and the chapters.

import './style.css';
import { chapters } from './chapters';
import type { Chapter } from './chapters/chapter';
import { hashState } from './chapters/shared/state';
import { ErrorPanel } from './errors';
import { whenIdle } from './frames';
import { Lab } from './lab';
import { workOffline } from './offline';
import { OWN_RUNS_MARKUP, OwnRuns } from './own-runs';

declare global {
  interface Window {
    /** Milliseconds from navigation to the first moment a drawing can be read. */
    gradlabReadyMs?: number;
    /** Test hook: the page's failure-path tests (tests/failures.test.mjs) send
     * the worker requests the page never sends, such as a panic on purpose. */
    __gradlab?: { lab: Lab };
  }
}

const errors = new ErrorPanel(document.querySelector<HTMLElement>('[data-testid="error-panel"]')!);

// Anything the page did not handle itself still reaches the panel.
window.addEventListener('error', (event) => {
  errors.show({ context: 'page', message: event.message || String(event.error) });
});
window.addEventListener('unhandledrejection', (event) => {
  const reason = event.reason instanceof Error ? event.reason.message : String(event.reason);
  errors.show({ context: 'page', message: reason });
});

const lab = new Lab(errors);
window.__gradlab = { lab };

// The learner's own runs: the panel in the header, file picking and dropping.
const ownRunsHost = document.querySelector<HTMLElement>('[data-testid="own-runs-host"]')!;
ownRunsHost.innerHTML = OWN_RUNS_MARKUP;
new OwnRuns(ownRunsHost.firstElementChild as HTMLElement, lab);
const main = document.querySelector<HTMLElement>('#chapters')!;

// The table of contents: links that scroll to a chapter and keep the
// controls' state in the address (see chapters/shared/state.ts).
const nav = document.querySelector<HTMLElement>('[data-testid="toc"] ol')!;
for (const chapter of chapters) {
  const item = document.createElement('li');
  const link = document.createElement('a');
  link.href = `#${chapter.id}`;
  link.textContent = chapter.nav;
  link.addEventListener('click', (event) => {
    event.preventDefault();
    goTo(chapter.id, true);
  });
  item.append(link);
  nav.append(item);
}

function goTo(id: string, focus: boolean): void {
  const section = document.getElementById(id);
  if (!section) return;
  hashState.setChapter(id);
  section.scrollIntoView({ block: 'start' });
  if (focus) section.focus({ preventScroll: true });
  // Built now if it was not: it is where the reader is going.
  void build(id).then(() => section.scrollIntoView({ block: 'start' }));
}

/** Builds a chapter's section (its markup, formulas and figures' frames). */
function mount(chapter: Chapter, section: HTMLElement): Promise<void> {
  section.classList.remove('pending');
  const failed = (error: unknown) =>
    errors.show({ context: 'page', message: `the chapter "${chapter.title}" failed to start: ${(error as Error).message}` });
  try {
    const done = chapter.mount(section, lab);
    if (!done) {
      section.dataset.mounted = 'true';
      return Promise.resolve();
    }
    return done.then(() => {
      section.dataset.mounted = 'true';
    }, failed);
  } catch (error) {
    failed(error);
    return Promise.resolve();
  }
}

// Start-up builds only the header, the draw section and the worker; once
// the page reads drawings, each lesson chapter is built when it comes within
// a screen of the viewport (and part 1 when the page is idle; at once when a
// link names it), so that a learner waits for none of the chapters below.
// Until then a section is an empty frame a screen high, so that only the
// chapters near the reader come near the viewport.
const pending = new Map<string, () => Promise<void>>();
let building = 0;
const nearby = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      // The entry's box costs no layout; a chapter whose top is below the
      // middle of the view moves nothing the reader looks at as it grows.
      if (entry.isIntersecting) void build(entry.target.id, entry.boundingClientRect.top >= window.innerHeight / 2);
    }
  },
  { rootMargin: '100% 0px' },
);

/** The chapter in the middle of the viewport: what the reader is looking at. */
function chapterInView(): HTMLElement | null {
  const hit = document.elementFromPoint(window.innerWidth / 2, window.innerHeight / 2);
  return hit?.closest<HTMLElement>('section.chapter') ?? null;
}

/** Builds chapter `id` now, if it is not built yet. A chapter built above
 * the reader grows and would push what they look at down the page: the
 * page scrolls by as much, so that it stays where it was. Finding what the
 * reader looks at forces a layout of the page (200 ms at start-up on a slow
 * laptop, BENCHMARKS.md), so it is skipped when the chapter is known to be
 * `below` it. */
function build(id: string, below = false): Promise<void> {
  const start = pending.get(id);
  if (!start) return Promise.resolve();
  pending.delete(id);
  const section = document.getElementById(id);
  if (section) nearby.unobserve(section);
  const anchor = below ? null : chapterInView();
  const before = anchor?.getBoundingClientRect().top ?? 0;
  building += 1;
  document.documentElement.dataset.building = String(building);
  return start().finally(() => {
    if (anchor && anchor !== section) {
      const moved = anchor.getBoundingClientRect().top - before;
      if (moved !== 0) window.scrollBy(0, moved);
    }
    building -= 1;
    document.documentElement.dataset.building = String(building);
  });
}

// The draw section builds in steps (chapters/draw/index.ts); the worker
// starts once it is built, so that no panel misses the worker's first events.
let drawBuilt: Promise<void> = Promise.resolve();
for (const [index, chapter] of chapters.entries()) {
  const section = document.createElement('section');
  section.id = chapter.id;
  section.className = 'chapter';
  section.tabIndex = -1;
  section.dataset.testid = chapter.testid;
  section.setAttribute('aria-label', chapter.title);
  main.append(section);
  if (index === 0) {
    drawBuilt = mount(chapter, section);
  } else {
    section.classList.add('pending');
    pending.set(chapter.id, () => mount(chapter, section));
  }
}

/** Builds every chapter (the printed report needs them all). */
function buildAll(): Promise<void> {
  return Promise.all([...pending.keys()].map((id) => build(id))).then(() => undefined);
}

// "Print the report" (report.ts, loaded when asked for): every chapter's
// figures in one document for the print dialog.
const reportButton = document.querySelector<HTMLButtonElement>('[data-testid="print-report"]')!;
const reportProgress = document.querySelector<HTMLElement>('[data-testid="report-progress"]')!;
const reportNow = document.querySelector<HTMLButtonElement>('[data-testid="report-now"]')!;
reportButton.addEventListener('click', () => {
  reportButton.disabled = true;
  const progress = (text: string, waiting: readonly string[] = []) => {
    reportProgress.textContent = text;
    reportProgress.dataset.waiting = waiting.join(' ');
    reportNow.hidden = waiting.length === 0;
  };
  const showNow = new Promise<void>((resolve) => {
    reportNow.onclick = () => resolve();
  });
  import('./report')
    .then((report) => report.openReport({ lab, buildAll, progress, showNow }))
    .catch((error: Error) => {
      progress('');
      errors.show({ context: 'page', message: `the report could not be assembled: ${error.message}` });
    })
    .finally(() => {
      reportButton.disabled = false;
      reportNow.hidden = true;
    });
});

// A link to a chapter: build it and scroll there.
const linked = hashState.chapter;
if (linked) void build(linked).then(() => requestAnimationFrame(() => goTo(linked, false)));
window.addEventListener('hashchange', () => {
  hashState.read();
  if (hashState.chapter) void build(hashState.chapter).then(() => goTo(hashState.chapter!, false));
});

const pageStatus = document.querySelector<HTMLElement>('[data-testid="page-status"]')!;

// Offline after one visit; a new version waits for a reload. The service
// worker is registered OFFLINE_AFTER_MS after MNIST is in (or has failed),
// once no network trains (the draw section's, or a lesson's run in parts 4
// and 5) and the page is idle: its start-up and its precaching (the page's
// files, about 4.8 MB, into the browser's cache) then compete with neither
// the page's start, nor MNIST's download, nor a run. On a 2-core machine
// they took the cores a run needed: a first run started soon after MNIST
// had 4-10 main-thread tasks over 50 ms at 4x CPU throttling, none to 2
// with the service worker blocked (BENCHMARKS.md, issue 21's tenth round).
const OFFLINE_AFTER_MS = 10_000;
let offlineNote = '';
let offlineStarted = false;
/** Whether the draw section's network is training, the lesson runs training
 * (parts 4 and 5), and what waits for every run to stop. */
let training = false;
const lessonRuns = new Set<string>();
const afterTraining: (() => void)[] = [];
const anyTraining = () => training || lessonRuns.size > 0;
/** Calls `then` now if no network trains, or once every run has stopped. */
function whenNotTraining(then: () => void): void {
  if (anyTraining()) afterTraining.push(then);
  else then();
}
/** Calls `then` when the page is idle and no network trains. */
function whenIdleAndNotTraining(then: () => void): void {
  whenIdle(() => (anyTraining() ? whenNotTraining(() => whenIdleAndNotTraining(then)) : then()));
}
function startOffline(): void {
  if (offlineStarted) return;
  offlineStarted = true;
  const register = () => {
    if (anyTraining()) {
      // For tests/offline.test.mjs: the registration waits for the run.
      document.documentElement.dataset.offline = 'after-run';
      whenNotTraining(register);
      return;
    }
    document.documentElement.dataset.offline = 'registering';
    whenIdle(() =>
      workOffline(document.querySelector<HTMLElement>('[data-testid="update-banner"]')!, (text) => {
        offlineNote = text;
        if (lab.ready) pageStatus.textContent = `${pageStatus.textContent} · ${text}`;
      }),
    );
  };
  setTimeout(register, OFFLINE_AFTER_MS);
}
lab.on((event) => {
  if (event.type === 'training') training = event.state.phase === 'running';
  if (event.type === 'lesson-state') {
    if (event.state.phase === 'running') lessonRuns.add(event.state.id);
    else lessonRuns.delete(event.state.id);
  }
  // A new worker has no run.
  if (event.type === 'restarted') {
    training = false;
    lessonRuns.clear();
  }
  if (!anyTraining()) for (const then of afterTraining.splice(0)) then();
  if (event.type === 'data-ready' || (event.type === 'error' && event.context === 'data')) startOffline();
  if (event.type === 'ready') {
    if (window.gradlabReadyMs === undefined) window.gradlabReadyMs = performance.now();
    document.documentElement.dataset.ready = 'true';
    const { simd, wasmBuild, moduleNote } = event.init;
    const module = !simd ? 'off (a slower build)' : wasmBuild === 'relaxed-simd' ? 'on, relaxed (fused multiply-add)' : 'on';
    pageStatus.textContent = `Ready in ${(window.gradlabReadyMs / 1000).toFixed(2)} s · WebAssembly SIMD ${module}${offlineNote ? ` · ${offlineNote}` : ''}`;
    pageStatus.dataset.wasmBuild = wasmBuild;
    // Not an error: the plain module computes the same, a little slower.
    if (moduleNote) {
      pageStatus.textContent += ` (${moduleNote})`;
      console.warn(moduleNote);
    }
  } else if (event.type === 'restarted') {
    document.documentElement.dataset.ready = 'false';
    pageStatus.textContent = 'Restarting the worker…';
  }
});
// The chapters near the view are looked for once the page reads drawings
// (or its start failed, or is late): until then the reader has only the
// draw section in view, and part 1, below it, was sometimes built during
// start-up, its formulas taking about 150 ms at 4x CPU throttling
// (BENCHMARKS.md, issue 21's ninth round). Part 1 is then built when the
// page is next idle, if it was not yet, so that the learner's first scroll,
// often during a first training run, does not wait for it. A link's
// chapter is built at once all the same (above). A worker still starting
// after a few seconds (a slow network) does not hold the chapters back.
// Part 2's code follows, unbuilt, when the page is idle and no network
// trains: it brings the chart library, whose first evaluation was a task of
// 141 ms in a trace at 4x when a learner scrolled down during a run and part
// 2 was built then (BENCHMARKS.md, issue 21's seventeenth round). A failure to
// load it shows when the chapter is built.
const STARTED_OR_LATE_MS = 3000;
void drawBuilt
  .then(() => Promise.race([lab.start(), new Promise((late) => setTimeout(late, STARTED_OR_LATE_MS))]))
  .finally(() => {
    for (const id of pending.keys()) nearby.observe(document.getElementById(id)!);
    const [, first, second] = chapters;
    whenIdle(() => {
      void (first ? build(first.id) : Promise.resolve()).then(() => whenIdleAndNotTraining(() => void second?.load?.().catch(() => {})));
    });
  });
