// "Your own runs": the learner opens what `gradlab ... --out DIR` wrote (a
// folder or files, picked or dropped anywhere on the page, or named in the
// address as ?run=PATH on the page's server), and each run takes the place
// of the shipped one in the part of the page it belongs to. Runs opened here
// are kept in the browser (IndexedDB, through idb-keyval) so that they open
// again on reload, until the learner forgets them. Nothing is uploaded:
// the files go from the learner's disk to the page's worker, nowhere else.
//
// This module only gathers files and keeps them; reading and checking them
// is the library's (src/runs.rs), in the worker.

import { del, get, set } from 'idb-keyval';
import type { Lab } from './lab';
import { WorkerLost } from './lab';
import type { OpenResult, RunArea, RunFile } from './protocol';

/** The files `gradlab` writes with --out, which ?run=PATH looks for. */
const RUN_FILE_NAMES = [
  'model.safetensors',
  'report.json',
  'faces.safetensors',
  'faces.json',
  'training.json',
  'features.safetensors',
  'classifier.safetensors',
  'features.json',
];

/** IndexedDB key of the kept runs. */
const STORE_KEY = 'gradlab-own-runs';

/** A run kept in the browser: its files, and what it was opened as. */
interface KeptRun {
  id: string;
  /** The runs the files held, each with the part of the page it is for. */
  runs: { area: RunArea; name: string; description: string }[];
  files: RunFile[];
  opened: number;
}

/** What a kept run is called in the list. */
function label(run: KeptRun): string {
  return run.runs.map((r) => r.name).join(', ');
}

/** Whether any of a kept run's runs is shown now. */
function isShown(run: KeptRun, lab: Lab): boolean {
  return run.runs.some((r) => lab.ownRuns[r.area]?.name === r.name);
}

const AREA_NAMES: Record<RunArea, string> = {
  digits: 'draw a digit and part 4',
  faces: 'parts 8 and 9',
  features: 'part 10',
};

export const OWN_RUNS_MARKUP = `
  <section class="own-runs" data-testid="own-runs" aria-labelledby="own-runs-title">
    <h2 id="own-runs-title" class="own-runs-title">Your own runs</h2>
    <p class="small">Open a folder that <code>gradlab</code> wrote with <code>--out</code> (or drop it anywhere on the
      page): it takes the place of the shipped run where it belongs. Nothing is uploaded; it is kept in this browser
      until you forget it.</p>
    <div class="buttons">
      <label class="button" data-testid="open-run-folder">Open a folder…
        <input type="file" class="visually-hidden" data-testid="open-run-folder-input" webkitdirectory multiple></label>
      <label class="button" data-testid="open-run-files">Open files…
        <input type="file" class="visually-hidden" data-testid="open-run-files-input" multiple
          accept=".safetensors,.json"></label>
    </div>
    <p class="status small" data-testid="own-runs-status" role="status" aria-live="polite"></p>
    <ul class="own-runs-list" data-testid="own-runs-list"></ul>
  </section>
`;

/** A file's path in what was opened: the folder picker's relative path, or its name. */
function pathOf(file: File): string {
  return file.webkitRelativePath || file.name;
}

/** Every file under a dropped entry (folders read recursively). */
async function filesOf(entry: FileSystemEntry, prefix = ''): Promise<RunFile[]> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ path, blob: file }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const entries: FileSystemEntry[] = [];
  // readEntries returns the folder in batches, an empty one at the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    entries.push(...batch);
  }
  const nested = await Promise.all(entries.map((child) => filesOf(child, path)));
  return nested.flat();
}

function newId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export class OwnRuns {
  private readonly status: HTMLElement;
  private readonly list: HTMLElement;
  private kept: KeptRun[] = [];
  /** Whether the worker has the kept runs open (again after a restart). */
  private reopened = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly lab: Lab,
  ) {
    this.status = root.querySelector('[data-testid="own-runs-status"]')!;
    this.list = root.querySelector('[data-testid="own-runs-list"]')!;
    for (const testid of ['open-run-folder-input', 'open-run-files-input']) {
      const input = root.querySelector<HTMLInputElement>(`[data-testid="${testid}"]`)!;
      input.addEventListener('change', () => {
        const files = [...(input.files ?? [])].map((file) => ({ path: pathOf(file), blob: file }));
        input.value = '';
        void this.open(files, 'picked');
      });
    }
    this.listenForDrops();
    lab.on((event) => {
      if (event.type === 'ready' && !this.reopened) {
        this.reopened = true;
        void this.reopenKept();
      } else if (event.type === 'restarted') {
        this.reopened = false;
      } else if (event.type === 'own-runs') {
        this.render();
      }
    });
  }

  /** Drag and drop anywhere on the page; a dropped folder is read whole. */
  private listenForDrops(): void {
    const overlay = document.createElement('div');
    overlay.className = 'drop-overlay';
    overlay.dataset.testid = 'drop-overlay';
    overlay.hidden = true;
    overlay.textContent = 'Drop a run folder (or its files) to open it here';
    document.body.append(overlay);
    let depth = 0;
    const carriesFiles = (event: DragEvent) => [...(event.dataTransfer?.types ?? [])].includes('Files');
    window.addEventListener('dragenter', (event) => {
      if (!carriesFiles(event)) return;
      depth += 1;
      overlay.hidden = false;
    });
    window.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) overlay.hidden = true;
    });
    window.addEventListener('dragover', (event) => {
      if (carriesFiles(event)) event.preventDefault();
    });
    window.addEventListener('drop', (event) => {
      if (!event.dataTransfer || !carriesFiles(event)) return;
      const taken = event.defaultPrevented;
      event.preventDefault();
      depth = 0;
      overlay.hidden = true;
      // A part of the page took the drop (photographs dropped on a person in
      // chapter 8): not a run.
      if (taken) return;
      // Entries must be taken before the event returns; files are read after.
      const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
      const plain = [...event.dataTransfer.files].map((file) => ({ path: file.name, blob: file as Blob }));
      const gathered = entries.length > 0 ? Promise.all(entries.map((entry) => filesOf(entry))).then((lists) => lists.flat()) : Promise.resolve(plain);
      gathered.then(
        (files) => this.open(files, 'dropped'),
        (error: unknown) => this.say(`The dropped files could not be read: ${error instanceof Error ? error.message : String(error)}`, 'failed'),
      );
    });
  }

  private say(text: string, state: 'opening' | 'opened' | 'failed' | 'idle'): void {
    this.status.textContent = text;
    this.status.dataset.state = state;
  }

  /** Opens `files` as runs in the worker; keeps them if `keep`. A failure
   * leaves whatever the page showed before. */
  async open(files: RunFile[], how: 'picked' | 'dropped' | 'linked' | 'kept', keep = how !== 'linked'): Promise<OpenResult | null> {
    if (files.length === 0) {
      this.say('Nothing to open: the folder or selection had no files.', 'failed');
      return null;
    }
    this.say(`Opening ${files.length} file${files.length === 1 ? '' : 's'}…`, 'opening');
    let result: OpenResult;
    try {
      result = await this.lab.request({ type: 'open-run', files });
    } catch (error) {
      if (error instanceof WorkerLost) return null;
      const message = error instanceof Error ? error.message : String(error);
      this.say(`Could not open it: ${message}. What the page showed before is unchanged.`, 'failed');
      this.lab.errors.show({ context: 'run', message });
      return null;
    }
    const names = result.runs.map((run) => `${run.name} (${run.description}) in ${AREA_NAMES[run.area]}`);
    const ignored = result.ignored.length > 0 ? ` Passed over: ${result.ignored.slice(0, 5).join(', ')}${result.ignored.length > 5 ? ', …' : ''}.` : '';
    this.say(`Opened ${names.join('; ')}.${ignored}`, 'opened');
    if (keep) {
      const entry: KeptRun = {
        id: newId(),
        runs: result.runs.map(({ area, name, description }) => ({ area, name, description })),
        files,
        opened: Date.now(),
      };
      // A run opened again replaces its earlier copy.
      this.kept = [...this.kept.filter((k) => label(k) !== label(entry)), entry];
      await this.save();
    }
    this.render();
    return result;
  }

  /** Forgets a kept run: out of the browser's storage, and back to the
   * shipped run wherever it was shown. */
  async forget(id: string): Promise<void> {
    const run = this.kept.find((k) => k.id === id);
    this.kept = this.kept.filter((k) => k.id !== id);
    await this.save();
    if (run) {
      for (const { area, name } of run.runs) {
        if (this.lab.ownRuns[area]?.name === name) await this.lab.request({ type: 'close-run', area }).catch(() => {});
      }
      this.say(`Forgot ${label(run)}: it is no longer kept in this browser.`, 'idle');
    }
    this.render();
  }

  /** Opens a run served beside the page (`?run=PATH`): the files of a
   * `gradlab` --out folder that are there. */
  async openLinked(path: string): Promise<void> {
    const base = new URL(path.endsWith('/') ? path : `${path}/`, document.baseURI);
    const found = await Promise.all(
      RUN_FILE_NAMES.map(async (name) => {
        try {
          const response = await fetch(new URL(name, base));
          return response.ok ? { path: `${path.replace(/\/$/, '')}/${name}`, blob: await response.blob() } : null;
        } catch {
          return null;
        }
      }),
    );
    const files = found.filter((f): f is RunFile => f !== null);
    if (files.length === 0) {
      const message = `no run at ${base.href}: none of ${RUN_FILE_NAMES.join(', ')} is there`;
      this.say(`Could not open the linked run: ${message}.`, 'failed');
      this.lab.errors.show({ context: 'run', message });
      return;
    }
    await this.open(files, 'linked');
  }

  private async reopenKept(): Promise<void> {
    try {
      this.kept = (await get<KeptRun[]>(STORE_KEY)) ?? [];
    } catch {
      this.kept = []; // No IndexedDB (a private window): nothing was kept.
    }
    for (const run of this.kept) {
      try {
        await this.lab.request({ type: 'open-run', files: run.files });
      } catch {
        // A kept run that no longer opens (a newer gradlab): listed, not shown.
      }
    }
    const linked = new URLSearchParams(location.search).get('run');
    if (linked) await this.openLinked(linked);
    this.render();
  }

  private async save(): Promise<void> {
    try {
      if (this.kept.length === 0) await del(STORE_KEY);
      else await set(STORE_KEY, this.kept);
    } catch {
      this.say('This browser cannot keep the run (no storage here, a private window?): it is open until the page is closed.', 'opened');
    }
  }

  private render(): void {
    const items = this.kept.map((run) => {
      const item = document.createElement('li');
      item.dataset.testid = 'own-run';
      const text = document.createElement('span');
      const description = run.runs.map((r) => r.description).join('; ');
      text.textContent = `${label(run)}: ${description}${isShown(run, this.lab) ? '' : ' (not shown now)'}`;
      const forget = document.createElement('button');
      forget.type = 'button';
      forget.className = 'quiet';
      forget.dataset.testid = 'forget-run';
      forget.textContent = 'Forget';
      forget.setAttribute('aria-label', `Forget ${label(run)}`);
      forget.addEventListener('click', () => void this.forget(run.id));
      item.append(text, ' ', forget);
      return item;
    });
    this.list.replaceChildren(...items);
    this.root.dataset.kept = String(this.kept.length);
  }
}
