// The page: the error panel, the worker (through Lab) and the chapters.

import './style.css';
import { chapters } from './chapters';
import { hashState } from './chapters/shared/state';
import { ErrorPanel } from './errors';
import { Lab } from './lab';
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
}

const mounted: Promise<void>[] = [];
for (const chapter of chapters) {
  const section = document.createElement('section');
  section.id = chapter.id;
  section.className = 'chapter';
  section.tabIndex = -1;
  section.dataset.testid = chapter.testid;
  section.setAttribute('aria-label', chapter.title);
  main.append(section);
  const failed = (error: unknown) =>
    errors.show({ context: 'page', message: `the chapter "${chapter.title}" failed to start: ${(error as Error).message}` });
  try {
    const done = chapter.mount(section, lab);
    if (done) {
      mounted.push(
        done.then(
          () => {
            section.dataset.mounted = 'true';
          },
          failed,
        ),
      );
    } else {
      section.dataset.mounted = 'true';
    }
  } catch (error) {
    failed(error);
  }
}

// A link to a chapter: scroll there once the chapters above it are built.
const linked = hashState.chapter;
if (linked) void Promise.allSettled(mounted).then(() => requestAnimationFrame(() => goTo(linked, false)));
window.addEventListener('hashchange', () => {
  hashState.read();
  if (hashState.chapter) goTo(hashState.chapter, false);
});

const pageStatus = document.querySelector<HTMLElement>('[data-testid="page-status"]')!;
lab.on((event) => {
  if (event.type === 'ready') {
    if (window.gradlabReadyMs === undefined) window.gradlabReadyMs = performance.now();
    document.documentElement.dataset.ready = 'true';
    const { simd, wasmBuild, moduleNote } = event.init;
    const module = !simd ? 'off (a slower build)' : wasmBuild === 'relaxed-simd' ? 'on, relaxed (fused multiply-add)' : 'on';
    pageStatus.textContent = `Ready in ${(window.gradlabReadyMs / 1000).toFixed(2)} s · WebAssembly SIMD ${module}`;
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
void lab.start();
