// "Print the report": the project's deliverable, assembled from the page as
// it stands (the shipped networks, the ones trained here, or the runs the
// learner opened) into one document that the browser prints or saves as PDF.
//
// The chapters stay the one place that knows their figures: every figure
// made with chapters/shared/lesson.ts's `figure()` goes in, with its title
// and caption, as does any element marked `data-report-title` (a table that
// is not a figure's body) or `data-report-note` (a line saying which run a
// chapter shows, or what it found). Figures with charts or images are copied
// as pictures, the way "Save PNG" draws them (shared/png.ts); tables are
// copied as tables, so that their numbers stay text in the PDF. Numbering,
// the first page and the print style sheet (style.css, "The report") are
// this module's.

import { chapters } from './chapters';
import { wantEveryChapter } from './chapters/shared/lesson';
import { PNG_SCALE, figureCanvas } from './chapters/shared/png';
import type { Lab } from './lab';

/** How long the report waits for the chapters' figures before it shows
 * what there is: chapter 7 times backpropagation on this machine, and the
 * faces and features are fetched first. */
const WAIT_MS = 180_000;

export interface ReportContext {
  lab: Lab;
  /** Builds every chapter that is not built yet (main.ts). */
  buildAll(): Promise<void>;
  /** Where the report says how far it has got, and which chapters (by
   * test id) it still waits for. */
  progress(text: string, waiting?: readonly string[]): void;
  /** Resolves when the learner would rather not wait for the figures still
   * missing (a chapter whose data did not load, a slow machine). */
  showNow: Promise<void>;
}

/** Resolves with the selectors of `wanted` still missing once all are
 * present (an empty list), when `ms` have passed or when `stop` resolves. */
function whenPresent(wanted: readonly string[], ms: number, stop: Promise<void>): Promise<string[]> {
  const missing = () => wanted.filter((selector) => !document.querySelector(selector));
  return new Promise((resolve) => {
    if (missing().length === 0) {
      resolve([]);
      return;
    }
    const done = () => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(missing());
    };
    const observer = new MutationObserver(() => missing().length === 0 && done());
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    const timer = setTimeout(done, ms);
    void stop.then(done);
  });
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** Text as a reader sees it: KaTeX's hidden MathML copy and buttons left out. */
function visibleText(node: Element): string {
  const copy = node.cloneNode(true) as Element;
  for (const hidden of copy.querySelectorAll('.katex-mathml, button, input, select, [hidden], .visually-hidden, .screen-only')) hidden.remove();
  return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function shown(node: Element): boolean {
  return node.getClientRects().length > 0;
}

/** A chapter's controls as they are set: what reproduces its figures. */
function settings(section: HTMLElement): [string, string][] {
  const rows: [string, string][] = [];
  for (const label of section.querySelectorAll<HTMLLabelElement>('.controls label')) {
    const control = label.querySelector<HTMLInputElement | HTMLSelectElement>('input, select');
    if (!control || !shown(label)) continue;
    if (control instanceof HTMLSelectElement) {
      rows.push([visibleText(label), control.selectedOptions[0]?.textContent?.trim() ?? '']);
    } else if (control.type === 'radio' || control.type === 'checkbox') {
      if (control.checked) rows.push(['chosen', visibleText(label)]);
    } else if (control.type !== 'file') {
      rows.push([visibleText(label), control.value]);
    }
  }
  return rows;
}

interface Numbering {
  figure: number;
  table: number;
}

/** One figure or table of a chapter, numbered, as the report shows it; its
 * title alone when it has nothing to show yet (a classifier not retrained). */
async function item(source: Element, numbering: Numbering): Promise<HTMLElement | string | null> {
  let title: string;
  let caption: string;
  let body: HTMLElement;
  if (source.classList.contains('lesson-figure')) {
    // The project's own figure names ("Figure 5: ...") give way to the report's numbers.
    title = visibleText(source.querySelector('.figure-head h3')!).replace(/^Figure \d+:\s*/, '');
    caption = visibleText(source.querySelector('figcaption')!);
    body = source.querySelector<HTMLElement>('.figure-body')!;
  } else {
    title = (source as HTMLElement).dataset.reportTitle!;
    caption = (source as HTMLElement).dataset.reportCaption ?? '';
    body = source as HTMLElement;
  }
  if (!shown(body)) return null;
  const pictures = [...body.querySelectorAll('canvas, svg')].filter(shown);
  if (pictures.length === 0 && !body.matches('table') && !body.querySelector('table')) return title;
  const kind = pictures.length > 0 ? 'figure' : 'table';
  const number = kind === 'figure' ? ++numbering.figure : ++numbering.table;
  const out = element('figure', `report-item report-${kind}`);
  out.dataset.kind = kind;
  out.dataset.number = String(number);
  out.dataset.testid = `report-${kind}-${number}`;
  const heading = element('p', 'report-item-title');
  heading.append(element('strong', '', `${kind === 'figure' ? 'Figure' : 'Table'} ${number}.`), ` ${title}`);
  out.append(heading);
  if (kind === 'figure') {
    const canvas = await figureCanvas(body);
    const picture = new Image();
    picture.src = canvas.toDataURL('image/png');
    picture.alt = `${title}. ${caption}`;
    // Its size on screen (all of it), at most the page's width (style.css).
    picture.style.width = `${canvas.width / PNG_SCALE}px`;
    picture.dataset.inked = String(inked(canvas));
    out.append(picture);
  } else {
    const copy = body.cloneNode(true) as HTMLElement;
    copy.removeAttribute('data-testid');
    for (const marked of copy.querySelectorAll('[data-testid]')) marked.removeAttribute('data-testid');
    for (const control of copy.querySelectorAll('button, input, select')) control.remove();
    out.append(copy);
  }
  if (caption) out.append(element('figcaption', 'report-caption', caption));
  return out;
}

/** The share of a picture's pixels that are not white: a drawn figure has some. */
function inked(canvas: HTMLCanvasElement): number {
  const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) ink++;
  return Math.round((1000 * ink) / (data.length / 4)) / 1000;
}

function browserName(): string {
  const brands = (navigator as Navigator & { userAgentData?: { brands: { brand: string; version: string }[] } }).userAgentData?.brands;
  const named = brands?.filter((b) => !/not.?a.?brand/i.test(b.brand));
  if (named && named.length > 0) return named.map((b) => `${b.brand} ${b.version}`).join(', ');
  return navigator.userAgent;
}

function titlePage(lab: Lab, notDrawn: string[]): HTMLElement {
  const head = element('header', 'report-title');
  head.append(element('p', 'report-kicker', 'CSC411 · digits and faces'), element('h1', '', 'gradlab: the project report'));
  head.append(
    element(
      'p',
      '',
      'Every table and figure of the project’s ten parts, assembled by gradlab from the page as it stood when this report was made: the networks it showed, its settings and its measurements on this machine.',
    ),
  );
  const facts = element('dl', 'report-facts');
  const fact = (name: string, value: string | Node) => {
    const dd = element('dd');
    dd.append(value);
    facts.append(element('dt', '', name), dd);
  };
  const now = new Date();
  fact('Made', `${now.toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short' })} (${now.toISOString()})`);
  fact('Browser', browserName());
  // The status line without its start-up time: which module computed.
  const status = document.querySelector('[data-testid="page-status"]')?.textContent?.trim() ?? '';
  fact('Computed by', `gradlab in this page: ${status.replace(/^Ready in [^·]*·\s*/, '') || 'WebAssembly'}`);
  const run = (area: 'digits' | 'faces' | 'features', shipped: string) => {
    const opened = lab.ownRuns[area];
    return opened ? `your run ${opened.name} (${opened.description})` : shipped;
  };
  fact('Digits (parts 1-7)', run('digits', 'MNIST, the networks shipped with the page, and any trained here (each part says which)'));
  fact('Faces (parts 8, 9)', run('faces', 'six people of the AT&T (ORL) faces and the shipped network'));
  fact('Features (part 10)', run('features', 'SqueezeNet 1.1 fire9 features of the 40 ORL people, as shipped'));
  const link = element('a', '', location.href);
  link.href = location.href;
  link.dataset.testid = 'report-link';
  const linkNote = element('span', 'small', ' (reopens the page with these settings and seeds; networks trained in the page are not in the link: save them, then open them)');
  const linkBox = element('span');
  linkBox.append(link, linkNote);
  fact('Link', linkBox);
  head.append(facts);
  if (notDrawn.length > 0) {
    const warning = element('p', 'report-warning', `Not drawn when this report was made, so shown as they stood: ${notDrawn.join('; ')}.`);
    warning.dataset.testid = 'report-not-drawn';
    head.append(warning);
  }
  return head;
}

/**
 * Builds every chapter, waits for their figures, and returns the report
 * (not yet in the page). `progress` hears how far it has got.
 */
export async function assembleReport({ lab, buildAll, progress, showNow }: ReportContext): Promise<HTMLElement> {
  progress('Building every chapter…');
  wantEveryChapter();
  await buildAll();
  const lessons = chapters.filter((chapter) => chapter.drawn.length > 0);
  const waiting = new Set(lessons);
  const tell = () => {
    const names = [...waiting].map((chapter) => chapter.nav.replace(/^\d+\. /, ''));
    progress(`Drawing the figures: ${lessons.length - waiting.size} of ${lessons.length} parts done; waiting for ${names.join(', ')}…`, [...waiting].map((chapter) => chapter.testid));
  };
  const waits = lessons.map((chapter) =>
    whenPresent(chapter.drawn, WAIT_MS, showNow).then((missing) => {
      waiting.delete(chapter);
      if (waiting.size > 0) tell();
      return missing.length > 0 ? chapter.title : null;
    }),
  );
  tell();
  const notDrawn = (await Promise.all(waits)).filter((title): title is string => title !== null);

  progress('Copying the figures…');
  const document_ = element('article', 'report-document');
  const title = titlePage(lab, notDrawn);
  // Every part's settings and seeds on the first page, as the link restores them.
  const settingsTable = element('table', 'report-settings');
  settingsTable.dataset.testid = 'report-settings';
  const contents = element('ol', 'report-contents');
  title.append(element('h2', '', 'Settings and seeds'), settingsTable, element('h2', '', 'Contents'), contents);
  document_.append(title);
  const numbering: Numbering = { figure: 0, table: 0 };
  for (const chapter of lessons) {
    const section = document.getElementById(chapter.id)!;
    const part = element('section', 'report-part');
    part.dataset.testid = `report-${chapter.testid}`;
    part.append(element('h2', '', chapter.title));
    for (const note of section.querySelectorAll('[data-report-note]')) {
      const text = visibleText(note);
      if (text && shown(note)) part.append(element('p', 'report-note', text));
    }
    const rows = settings(section);
    if (rows.length > 0) {
      const row = settingsTable.insertRow();
      row.dataset.part = chapter.testid;
      row.append(element('th', '', chapter.nav), element('td', '', rows.map(([name, value]) => `${name}: ${value}`).join(' · ')));
      row.cells[0].scope = 'row';
    }
    const made: string[] = [];
    const empty: string[] = [];
    for (const source of section.querySelectorAll('.lesson-figure, [data-report-title]')) {
      const copy = await item(source, numbering);
      if (typeof copy === 'string') empty.push(`“${copy}”`);
      if (!(copy instanceof HTMLElement)) continue;
      part.append(copy);
      made.push(`${copy.dataset.kind === 'figure' ? 'Figure' : 'Table'} ${copy.dataset.number}`);
    }
    if (empty.length > 0) part.append(element('p', 'report-note small', `Not made in this page yet, so not in the report: ${empty.join(', ')}.`));
    document_.append(part);
    const entry = element('li', '', chapter.title);
    if (made.length > 0) entry.append(element('span', 'small', ` · ${made.join(', ')}`));
    contents.append(entry);
  }
  return document_;
}

/**
 * Assembles the report and shows it in place of the lab, with a button that
 * opens the browser's print dialog (where "Save as PDF" is) and one back to
 * the lab, which is left as it was.
 */
export async function openReport(context: ReportContext): Promise<void> {
  const article = await assembleReport(context);
  const host = element('div', 'report');
  host.id = 'report';
  host.dataset.testid = 'report';
  const toolbar = element('div', 'report-toolbar');
  toolbar.setAttribute('role', 'toolbar');
  toolbar.setAttribute('aria-label', 'The report');
  const print = element('button', 'primary', 'Print or save as PDF');
  print.type = 'button';
  print.dataset.testid = 'report-print';
  print.addEventListener('click', () => window.print());
  const back = element('button', '', 'Back to the lab');
  back.type = 'button';
  back.dataset.testid = 'report-back';
  const tip = element('span', 'small', 'A4 or Letter, portrait; in the print dialog, choose “Save as PDF” to keep a file.');
  toolbar.append(print, back, tip);
  host.append(toolbar, article);

  const scroll = window.scrollY;
  document.body.append(host);
  document.documentElement.dataset.view = 'report';
  window.scrollTo(0, 0);
  back.addEventListener('click', () => {
    host.remove();
    delete document.documentElement.dataset.view;
    window.scrollTo(0, scroll);
    context.progress('');
  });
  host.dataset.state = 'ready';
  context.progress('The report is ready.');
  print.focus();
}
