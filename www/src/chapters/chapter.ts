// A chapter of the page: one section, one module. Each chapter builds its own
// markup inside the section it is given and talks to the worker through the
// Lab; chapters/index.ts lists them in page order.

import type { Lab } from '../lab';

export interface Chapter {
  /** The section's id, for links (#draw). */
  id: string;
  /** The section's data-testid: `chapter-N` for the project's ten parts. */
  testid: string;
  title: string;
  /** Its entry in the page's table of contents. */
  nav: string;
  /** Selectors that all match once the chapter's figures are drawn (the
   * report waits for them); none for the draw section, which is not in it. */
  drawn: readonly string[];
  /** Builds the chapter; a lesson chapter loads its module first. */
  mount(section: HTMLElement, lab: Lab): void | Promise<void>;
  /** A lesson chapter: loads its module (and the libraries it imports)
   * without building anything, so that building it later runs no module's
   * first evaluation. */
  load?(): Promise<unknown>;
}
