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

function lesson(part: number, id: string, title: string, nav: string, load: () => Promise<{ mount: Mount }>): Chapter {
  return {
    id,
    testid: `chapter-${part}`,
    title: `Part ${part}: ${title}`,
    nav: `${part}. ${nav}`,
    mount: (section, lab) => afterReady(lab).then(load).then((module) => module.mount(section, lab)),
  };
}

export const chapters: readonly Chapter[] = [
  drawChapter,
  lesson(1, 'data', 'The data', 'The data', () => import('./data')),
  lesson(2, 'network', 'The network', 'The network', () => import('./network')),
  lesson(3, 'gradient', 'The gradient', 'The gradient', () => import('./gradient')),
  lesson(4, 'descent', 'Gradient descent', 'Gradient descent', () => import('./descent')),
  lesson(5, 'momentum', 'Momentum', 'Momentum', () => import('./momentum')),
  lesson(6, 'surface', 'The cost surface', 'The cost surface', () => import('./surface')),
  lesson(7, 'backprop', 'The cost of backpropagation', 'Cost of backprop', () => import('./backprop')),
  lesson(8, 'faces', 'Faces', 'Faces', () => import('./faces')),
  lesson(9, 'hidden', 'What the hidden units see', 'Hidden units', () => import('./hidden')),
  lesson(10, 'features', 'A pretrained network’s features', 'Pretrained features', () => import('./features')),
];
