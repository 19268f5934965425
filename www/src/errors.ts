// The error panel: every failure the page meets is shown here with what
// happened and what to do, instead of only in the console; the rest of the
// page keeps working.

import type { ErrorContext } from './protocol';

export interface LabError {
  context: ErrorContext;
  message: string;
}

const TITLES: Record<ErrorContext, string> = {
  init: 'The WebAssembly module did not start',
  models: 'A shipped network did not load',
  data: 'MNIST did not load',
  predict: 'The drawing could not be read',
  training: 'Training stopped',
  worker: 'The worker crashed and was restarted',
  page: 'The page met an unexpected error',
  lesson: 'A chapter could not compute its figure',
  run: 'Your run did not open',
};

const ADVICE: Record<ErrorContext, string> = {
  init:
    'Reload the page. If it keeps failing, rebuild the module and the page with scripts/build-page.sh.',
  models:
    'The other network still reads drawings. Reload the page to fetch the file again; if it fails again, the file on the server is broken: make the shipped models with scripts/train-default-models.sh, then rebuild the page (npm run build in www/).',
  data:
    'Drawing still works with the shipped networks; only training needs MNIST. Check that the server is still running, then press "Retry loading MNIST" (under the Train button) or reload the page. If the file is missing on the server, build the page with npm run build in www/ (its prepare-data step puts MNIST in data/) and serve www/dist.',
  predict: 'Clear the drawing and draw again.',
  training:
    'Drawings are read by the shipped network again. Change the settings (a diverging run needs a lower learning rate) and press Train.',
  worker:
    'Drawing works again with the shipped networks; a training run in progress was lost. If this happens again, reload the page.',
  page: 'The rest of the page still works. If something looks stuck, reload the page.',
  lesson: 'The other chapters still work. Change the chapter\'s settings and try again; if it keeps failing, reload the page.',
  run: 'The page still shows what it showed before. Open the whole folder that gradlab wrote with --out (or the files the message names), from the same version of gradlab as this page.',
};

/** At most this many errors stay on screen, the newest first. */
const KEPT = 3;

export class ErrorPanel {
  private readonly list: HTMLOListElement;

  constructor(private readonly panel: HTMLElement) {
    panel.innerHTML = `
      <div class="error-head">
        <h2>Something went wrong</h2>
        <button type="button" class="quiet" data-testid="error-dismiss">Dismiss</button>
      </div>
      <ol class="error-list"></ol>`;
    this.list = panel.querySelector('ol')!;
    panel.querySelector('button')!.addEventListener('click', () => this.clear());
    panel.hidden = true;
  }

  show(error: LabError): void {
    const item = document.createElement('li');
    item.dataset.context = error.context;
    const title = document.createElement('strong');
    title.textContent = TITLES[error.context];
    const what = document.createElement('p');
    what.className = 'error-message';
    what.textContent = capitalise(error.message.trim());
    const todo = document.createElement('p');
    todo.className = 'error-advice';
    todo.textContent = ADVICE[error.context];
    item.append(title, what, todo);
    this.list.prepend(item);
    while (this.list.children.length > KEPT) this.list.lastElementChild?.remove();
    this.panel.hidden = false;
    // Warn (not error) in the console: the page handled it.
    console.warn(`gradlab: ${TITLES[error.context]}: ${error.message}`);
  }

  clear(): void {
    this.list.replaceChildren();
    this.panel.hidden = true;
  }
}

function capitalise(text: string): string {
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
