// The page's chapters, in order: the draw section, then the project's parts
// as `chapter-1` .. `chapter-10`, each a module beside draw/. A lesson
// chapter's module (and KaTeX, and the chart library) loads once the page can
// read drawings, so that nothing delays that moment.

import type { Lab } from '../lab';
import type { Chapter } from './chapter';
import { drawChapter } from './draw';

type Mount = (section: HTMLElement, lab: Lab) => void;

/** Resolves once the page can read drawings (or has given up trying): the
 * lessons load after that, so that they never delay it. */
function afterReady(lab: Lab): Promise<void> {
  return new Promise((resolve) => {
    if (lab.ready || lab.init) {
      resolve();
      return;
    }
    lab.on((event) => {
      if (event.type === 'ready') resolve();
    });
    // A module that never starts shows its error; the lessons still appear.
    setTimeout(resolve, 8000);
  });
}

function lesson(part: number, id: string, title: string, nav: string, drawn: string[], load: () => Promise<{ mount: Mount }>): Chapter {
  return {
    id,
    testid: `chapter-${part}`,
    title: `Part ${part}: ${title}`,
    nav: `${part}. ${nav}`,
    drawn: drawn.map((selector) => `[data-testid="chapter-${part}"] ${selector}`),
    mount: (section, lab) => afterReady(lab).then(load).then((module) => module.mount(section, lab)),
    load,
  };
}

// Each lesson's `drawn`: the states its figures are drawn in (what the
// printed report waits for, and tests/opening.test.mjs checks).
export const chapters: readonly Chapter[] = [
  drawChapter,
  lesson(1, 'data', 'The data', 'The data', ['.gallery[data-count="100"]', '[data-testid="data-counts-table"][data-total]'], () => import('./data')),
  lesson(2, 'network', 'The network', 'The network', ['[data-testid="network-verdict"][data-predicted]'], () => import('./network')),
  lesson(3, 'gradient', 'The gradient', 'The gradient', ['[data-testid="gradient-table"] tbody tr:nth-child(10)', '[data-testid="gradient-error-mlp"]'], () => import('./gradient')),
  lesson(4, 'descent', 'Gradient descent', 'Gradient descent', ['.curve-pair[data-points]:not([data-points="0"])', '[data-testid="descent-weight-images"][data-count="10"]'], () => import('./descent')),
  lesson(5, 'momentum', 'Momentum', 'Momentum', ['.curve-pair[data-points]:not([data-points="0"])', '[data-testid="momentum-summary"]:not(:empty)'], () => import('./momentum')),
  lesson(6, 'surface', 'The cost surface', 'The cost surface', ['[data-testid="surface-summary"][data-momentum]'], () => import('./surface')),
  lesson(7, 'backprop', 'The cost of backpropagation', 'Cost of backprop', ['[data-testid="backprop-status"][data-done="true"]'], () => import('./backprop')),
  lesson(8, 'faces', 'Faces', 'Faces', ['.face-gallery[data-count]', '.curve-pair[data-points]:not([data-points="0"])', '[data-testid="faces-confusion-table"] tbody tr'], () => import('./faces')),
  lesson(9, 'hidden', 'What the hidden units see', 'Hidden units', ['[data-testid="hidden-people"][data-count]'], () => import('./hidden')),
  lesson(10, 'features', 'A pretrained network’s features', 'Pretrained features', ['[data-testid="features-load-status"][data-state="ready"]'], () => import('./features')),
];
