// What the lesson chapters (parts 1-7) share: their header, figures with a
// "Save PNG" button, waiting for MNIST and for the chapter to be seen, 28x28
// images on canvases, and number fields whose values live in the URL hash.

import type { Lab } from '../../lab';
import { WorkerLost } from '../../lab';
import type { OptimizerKind } from '../../../pkg/gradlab.js';
import type { RunArea } from '../../protocol';
import { savePng } from './png';
import type { ChapterState } from './state';

export const SIDE = 28;

/** The chapter's header: its part number, title and what it is about. */
export function chapterHead(part: number, title: string, lede: string): string {
  return `
    <header class="chapter-head">
      <p class="part-label">Part ${part}</p>
      <h2>${title}</h2>
      <p class="lede">${lede}</p>
    </header>`;
}

/**
 * A figure: a title, the body (where the chapter draws), a caption, and a
 * Save PNG button. `testid` names the body for tests; the file is
 * `gradlab-<testid>.png`. Words in the caption on how to use the figure go
 * in a `<span class="screen-only">`: the printed report (report.ts) leaves
 * them out.
 */
export function figure(testid: string, title: string, caption: string, body = '', extraClass = ''): string {
  return `
    <figure class="lesson-figure card ${extraClass}">
      <div class="figure-head">
        <h3>${title}</h3>
        <button type="button" class="quiet save-png" data-save="${testid}" aria-label="Save PNG of the figure “${title.replace(/<[^>]+>/g, '')}”">Save PNG</button>
      </div>
      <div class="figure-body" data-testid="${testid}">${body}</div>
      <figcaption class="small">${caption}</figcaption>
    </figure>`;
}

/** Wires the Save PNG buttons of `section`'s figures. */
export function wireSaveButtons(section: HTMLElement, lab: Lab): void {
  for (const button of section.querySelectorAll<HTMLButtonElement>('button[data-save]')) {
    button.addEventListener('click', () => {
      const name = button.dataset.save!;
      const body = section.querySelector<HTMLElement>(`[data-testid="${name}"]`)!;
      button.disabled = true;
      savePng(body, `gradlab-${name}`)
        .catch((error: Error) => lab.errors.show({ context: 'page', message: `saving the figure failed: ${error.message}` }))
        .finally(() => {
          button.disabled = false;
        });
    });
  }
}

/** Set once the whole project is wanted at once (the printed report): every
 * chapter then does what it would do when seen, without being scrolled to. */
let allWanted = false;
const unseen = new Set<() => void>();

/** Resolves once `element` is on screen or about to be, or once
 * `wantEveryChapter` is called. */
export function whenVisible(element: Element): Promise<void> {
  if (allWanted) return Promise.resolve();
  return new Promise((resolve) => {
    const seen = () => {
      observer.disconnect();
      unseen.delete(seen);
      resolve();
    };
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && seen(), { rootMargin: '300px 0px' });
    observer.observe(element);
    unseen.add(seen);
  });
}

/** Makes every chapter, built now or later, act as if it had been seen. */
export function wantEveryChapter(): void {
  allWanted = true;
  for (const seen of [...unseen]) seen();
}

/**
 * Calls `ready` once the chapter has been seen and the worker is up (and,
 * with `needsData`, MNIST is in), and again whenever the worker restarts
 * and gets there again.
 */
export function whenReady(section: HTMLElement, lab: Lab, needsData: boolean, ready: () => void): void {
  let seen = false;
  const isReady = () => lab.ready && (!needsData || lab.data !== null);
  void whenVisible(section).then(() => {
    seen = true;
    if (isReady()) ready();
  });
  lab.on((event) => {
    if (!seen) return;
    if ((event.type === 'data-ready' && needsData) || (event.type === 'ready' && !needsData)) {
      if (isReady()) ready();
    }
  });
}

/** Shows a failed request in the error panel, unless the worker died (which is shown already). */
export function reportError(lab: Lab, error: unknown): void {
  if (error instanceof WorkerLost) return;
  lab.errors.show({ context: 'lesson', message: error instanceof Error ? error.message : String(error) });
}

/** 28x28 RGBA image number `n` of `rgba` (such images one after another), without a copy. */
export function digitImage(rgba: Uint8Array, n = 0): ImageData {
  const size = SIDE * SIDE * 4;
  return new ImageData(new Uint8ClampedArray(rgba.buffer as ArrayBuffer, rgba.byteOffset + n * size, size), SIDE, SIDE);
}

/** Puts 28x28 RGBA image number `n` of `rgba` on `canvas`. */
export function paint(canvas: HTMLCanvasElement, rgba: Uint8Array, n = 0): void {
  canvas.width = SIDE;
  canvas.height = SIDE;
  canvas.getContext('2d')!.putImageData(digitImage(rgba, n), 0, 0);
}

/** A new canvas showing 28x28 image `n` of `rgba`. */
export function digitCanvas(rgba: Uint8Array, n: number, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = 'digit-canvas';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  paint(canvas, rgba, n);
  return canvas;
}

/** The colour key of the weight images: blue negative, white zero, red positive. */
export function divergingKey(negative = 'negative', positive = 'positive'): string {
  return `<div class="diverging-key" aria-hidden="true"><span data-png-text>${negative}</span><span class="ramp"></span><span data-png-text>${positive}</span></div>`;
}

export interface NumberField {
  input: HTMLInputElement;
  /** The value, or null (with the field marked) when it is not valid. */
  read(): number | null;
  set(value: number): void;
}

/**
 * A number input whose value is kept in the hash under `key`. `valid`
 * says whether a value is acceptable; an invalid one is marked and not
 * saved.
 */
export function numberField(
  root: HTMLElement,
  testid: string,
  state: ChapterState,
  key: string,
  fallback: number,
  valid: (value: number) => boolean,
  onChange?: () => void,
): NumberField {
  const input = root.querySelector<HTMLInputElement>(`[data-testid="${testid}"]`)!;
  const initial = state.number(key, fallback);
  input.value = String(valid(initial) ? initial : fallback);
  const read = () => {
    const text = input.value.trim();
    const value = Number(text);
    const ok = text !== '' && Number.isFinite(value) && valid(value);
    input.setAttribute('aria-invalid', String(!ok));
    return ok ? value : null;
  };
  input.addEventListener('input', () => {
    const value = read();
    if (value !== null) {
      state.set(key, value, fallback);
      onChange?.();
    }
  });
  return {
    input,
    read,
    set(value: number) {
      input.value = String(value);
      read();
      state.set(key, value, fallback);
    },
  };
}

/** A whole number with its digits in groups of three: 60,000. Written out
 * rather than through Intl.NumberFormat or toLocaleString: a page's first
 * use of Intl loads the browser's locale data, 40-120 ms of the main thread
 * on a slow laptop (BENCHMARKS.md, issue 21), and the page needs nothing
 * else from it at start-up or while a network trains. */
export function grouped(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const whole = Math.round(value);
  const digits = String(Math.abs(whole)).replace(/\B(?=(\d{3})+$)/g, ',');
  return whole < 0 ? `-${digits}` : digits;
}

/** A number in scientific notation for tables: 1.23e-7. */
export function scientific(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const text = value.toExponential(digits).replace('e+', 'e');
  return text.endsWith('e0') ? text.slice(0, -2) : text;
}

/** A percentage with one decimal. */
export function percent(value: number): string {
  return Number.isFinite(value) ? `${(100 * value).toFixed(1)}%` : '–';
}

/** Waits for the next frame: lets the page paint between steps of an animation. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** Whether the person asked for less motion: animations then jump to the end. */
export function reducedMotion(): boolean {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Momentum's β of an optimiser; 0 for plain gradient descent. */
export function betaOf(optimizer: OptimizerKind): number {
  return optimizer.kind === 'momentum' ? optimizer.beta : 0;
}

/**
 * A chapter's line saying which run it shows: the shipped one, or one the
 * learner opened (with what it is, and a button back to the shipped one).
 * `changed()` is called when the run shown in `area` changes.
 */
export function runSourceLine(
  line: HTMLElement,
  lab: Lab,
  area: RunArea,
  shipped: string,
  changed: () => void,
): { render(): void } {
  const render = () => {
    const run = lab.ownRuns[area];
    line.dataset.source = run ? 'opened' : 'shipped';
    if (!run) {
      line.textContent = shipped;
      return;
    }
    const back = document.createElement('button');
    back.type = 'button';
    back.className = 'quiet';
    back.dataset.testid = `${line.dataset.testid}-back`;
    back.textContent = 'Back to the shipped one';
    back.addEventListener('click', () => {
      back.disabled = true;
      lab.request({ type: 'close-run', area }).catch((error: unknown) => reportError(lab, error));
    });
    line.replaceChildren(`Showing your run ${run.name}: ${run.description}. `, back);
  };
  lab.on((event) => {
    if (event.type === 'own-runs' && event.changed.includes(area)) {
      render();
      changed();
    } else if (event.type === 'restarted') {
      render();
    }
  });
  render();
  return { render };
}
