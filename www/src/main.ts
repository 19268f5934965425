// The page: the error panel, the worker (through Lab) and the chapters.

import './style.css';
import { chapters } from './chapters';
import { ErrorPanel } from './errors';
import { Lab } from './lab';

declare global {
  interface Window {
    /** Milliseconds from navigation to the first moment a drawing can be read. */
    gradlabReadyMs?: number;
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
const main = document.querySelector<HTMLElement>('#chapters')!;
for (const chapter of chapters) {
  const section = document.createElement('section');
  section.id = chapter.id;
  section.className = 'chapter';
  section.dataset.testid = chapter.testid;
  section.setAttribute('aria-label', chapter.title);
  main.append(section);
  try {
    chapter.mount(section, lab);
  } catch (error) {
    errors.show({ context: 'page', message: `the chapter "${chapter.title}" failed to start: ${(error as Error).message}` });
  }
}

const pageStatus = document.querySelector<HTMLElement>('[data-testid="page-status"]')!;
lab.on((event) => {
  if (event.type === 'ready') {
    if (window.gradlabReadyMs === undefined) window.gradlabReadyMs = performance.now();
    document.documentElement.dataset.ready = 'true';
    const simd = event.init.simd ? 'on' : 'off (a slower build)';
    pageStatus.textContent = `Ready in ${(window.gradlabReadyMs / 1000).toFixed(2)} s · WebAssembly SIMD ${simd}`;
  } else if (event.type === 'restarted') {
    document.documentElement.dataset.ready = 'false';
    pageStatus.textContent = 'Restarting the worker…';
  }
});
void lab.start();
