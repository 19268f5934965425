// Part 9, what the hidden units see: for two people the person picks, the
// hidden units whose output weights most favour that person, with their
// input weights drawn as images, for the shipped network or the one
// retrained in part 8.

import type { Lab } from '../../lab';
import type { FacesInfo, FacesModel, FacesUnits } from '../../protocol';
import { chapterHead, divergingKey, figure, reportError, runSourceLine, whenReady, wireSaveButtons } from '../shared/lesson';
import { tex, texBlock } from '../shared/math';
import { ChapterState } from '../shared/state';
import { TRAINED_EVENT, faceCanvas, forgetFaces, loadFaces, retrained } from '../faces/shared';

/** Units shown per person. */
const UNITS = 4;
const MODELS: readonly FacesModel[] = ['shipped', 'trained'];

const MARKUP = `
  ${chapterHead(
    9,
    'What the hidden units see',
    `Each hidden unit of the faces network looks at the whole face through its 1,024 input weights. Drawn as an
     image, those weights show what the unit looks for.`,
  )}
  <p class="run-source small" data-testid="hidden-source" data-report-note></p>
  <div class="lesson-grid">
    <div class="explain">
      <p>Person ${tex('p')}'s score before the softmax is ${tex(String.raw`z_p = W_2[0,p] + \sum_h W_2[h,p]\, a_h`)},
        where ${tex('a_h')} is the output of hidden unit ${tex('h')}. So a unit speaks for ${tex('p')} when its output
        weight to ${tex('p')} is large compared with its weights to the five other people:</p>
      ${texBlock(String.raw`\text{score}(h, p) = W_2[h, p] - \frac{1}{5}\sum_{q \ne p} W_2[h, q]`)}
      <p>For each of the two people below, the ${UNITS} units with the highest score are shown, each as its input
        weights ${tex(String.raw`W_1[\cdot, h]`)} (one per pixel) laid out as a 32×32 image: <span class="red-text">red</span> where a
        bright pixel turns the unit on, <span class="blue-text">blue</span> where a bright pixel turns it off. The
        images share one colour scale. Look for eyes, mouth, hair line and the outline of the head, and compare them
        with the person's faces on the left.</p>
    </div>
    <div class="card controls" role="group" aria-label="Choose two people and a network">
      <div class="control-grid">
        <label>First person <select data-testid="hidden-person-a"></select></label>
        <label>Second person <select data-testid="hidden-person-b"></select></label>
      </div>
      <fieldset class="choice" data-testid="hidden-model">
        <legend>Network</legend>
        <label><input type="radio" name="hidden-model" value="shipped" checked> <span data-field="base-name">shipped</span></label>
        <label><input type="radio" name="hidden-model" value="trained" disabled> retrained in part 8</label>
      </fieldset>
      <p class="status small" data-testid="hidden-status" role="status">Loading the faces…</p>
    </div>
  </div>
  ${figure(
    'hidden-units',
    'The hidden units that favour each person',
    'Left: two of the person’s training faces. Right: the input weights of the units that most favour them, with the unit’s number and its score for that person (higher: it speaks more for them).',
    `<div class="hidden-people" data-testid="hidden-people"><p class="placeholder">Loading…</p></div>${divergingKey('bright pixel turns it off', 'bright pixel turns it on')}`,
  )}
`;

export function mount(section: HTMLElement, lab: Lab): void {
  section.innerHTML = MARKUP;
  wireSaveButtons(section, lab);
  const state = new ChapterState('hidden');
  const find = <T extends Element>(testid: string) => section.querySelector<T>(`[data-testid="${testid}"]`)!;
  const selectA = find<HTMLSelectElement>('hidden-person-a');
  const selectB = find<HTMLSelectElement>('hidden-person-b');
  const radios = [...section.querySelectorAll<HTMLInputElement>('input[name="hidden-model"]')];
  const status = find<HTMLElement>('hidden-status');
  const body = find<HTMLElement>('hidden-people');
  let faces: FacesInfo | null = null;
  let request = 0;

  const baseName = section.querySelector<HTMLElement>('[data-field="base-name"]')!;
  const model = (): FacesModel => (radios.find((r) => r.checked)?.value as FacesModel) ?? 'shipped';

  const enableTrained = () => {
    const trainedRadio = radios.find((r) => r.value === 'trained')!;
    trainedRadio.disabled = !retrained.done;
    if (!retrained.done && trainedRadio.checked) radios[0].checked = true;
  };

  const show = (units: FacesUnits, info: FacesInfo, who: FacesModel) => {
    let image = 0;
    const rows = units.people.map(({ person, units: scores }) => {
      const row = document.createElement('div');
      row.className = 'hidden-row';
      const name = document.createElement('h4');
      name.dataset.pngText = '';
      name.textContent = info.people[person];
      const own = document.createElement('div');
      own.className = 'hidden-own';
      const examples = info.labels.map((_, i) => i).filter((i) => info.labels[i] === person && info.splits[i] === 0).slice(0, 2);
      for (const i of examples) own.append(faceCanvas(info.rgba, i, info.size, `a training face of ${info.people[person]}`));
      const unitCells = scores.map((s) => {
        const f = document.createElement('figure');
        f.className = 'unit-cell';
        const caption = document.createElement('figcaption');
        caption.dataset.pngText = '';
        caption.textContent = `unit ${s.unit} · ${s.score.toFixed(2)}`;
        f.append(faceCanvas(units.rgba, image++, units.size, `input weights of hidden unit ${s.unit}, score ${s.score.toFixed(2)} for ${info.people[person]}`), caption);
        return f;
      });
      const strip = document.createElement('div');
      strip.className = 'unit-strip';
      strip.append(...unitCells);
      row.append(name, own, strip);
      return row;
    });
    body.replaceChildren(...rows);
    body.dataset.count = String(image);
    body.dataset.model = who;
    const base = info.source.kind === 'opened' ? `network of your run ${info.source.name}` : 'shipped network';
    status.textContent = `The ${who === 'shipped' ? base : 'retrained network'}: ${info.people[units.people[0].person]} and ${info.people[units.people[1].person]}.`;
  };

  const update = () => {
    if (!faces) return;
    const info = faces;
    const a = Number(selectA.value);
    const b = Number(selectB.value);
    const who = model();
    state.set('a', a, 0);
    state.set('b', b, 1);
    state.set('model', who, 'shipped');
    const mine = ++request;
    lab
      .request({ type: 'faces-units', model: who, people: [a, b], count: UNITS })
      .then((units) => {
        if (mine === request) show(units, info, who);
      })
      .catch((error: unknown) => {
        status.textContent = `Could not draw the hidden units: ${error instanceof Error ? error.message : String(error)}`;
        reportError(lab, error);
      });
  };

  selectA.addEventListener('change', update);
  selectB.addEventListener('change', update);
  for (const r of radios) r.addEventListener('change', update);
  window.addEventListener(TRAINED_EVENT, () => {
    enableTrained();
    if (model() === 'trained') update();
  });
  lab.on((event) => {
    if (event.type === 'restarted') {
      retrained.done = false;
      enableTrained();
    }
  });

  const load = () => {
    loadFaces(lab)
      .then((info) => {
        faces = info;
        const n = info.people.length;
        const options = info.people.map((p, i) => `<option value="${i}">${p}</option>`).join('');
        selectA.innerHTML = options;
        selectB.innerHTML = options;
        selectA.value = String(state.number('a', 0, 0, n - 1, true));
        selectB.value = String(state.number('b', Math.min(1, n - 1), 0, n - 1, true));
        baseName.textContent = info.source.kind === 'opened' ? `your run ${info.source.name}` : 'shipped';
        radios[0].disabled = info.trained === null;
        const wanted = state.string('model', 'shipped', MODELS);
        enableTrained();
        if ((wanted === 'trained' && retrained.done) || info.trained === null) radios[1].checked = true;
        if (info.trained === null && !retrained.done) {
          body.innerHTML = '<p class="placeholder">These faces have no network yet: retrain one in part 8, then look into it here.</p>';
          status.textContent = 'No network to look into yet.';
          return;
        }
        update();
      })
      .catch((error: unknown) => {
        body.innerHTML = `<p class="placeholder">The faces did not load: ${error instanceof Error ? error.message : String(error)}</p>`;
        reportError(lab, error);
      });
  };
  let started = false;
  runSourceLine(find<HTMLElement>('hidden-source'), lab, 'faces', 'Showing the shipped faces and their network.', () => {
    forgetFaces();
    faces = null;
    retrained.done = false;
    enableTrained();
    if (started) load();
  });
  whenReady(section, lab, false, () => {
    started = true;
    load();
  });
}
