// Chapter 8's "Use your own faces": the learner brings photographs (a folder
// with one sub-folder per person, or files picked or dropped per person) or
// webcam shots (a burst under a square guide box) of 2 to 10 people; the
// worker makes each into its 64x64 grey crop (src/worker/own-faces.ts, the
// library's preparation), and "Train on these faces" shows them at 32x32 in
// parts 8 and 9 in place of the shipped faces and trains the network on
// them; part 10 computes its features from the 64x64 crops.
//
// The page keeps the faces (64x64 crops, 4 KB each), and keeps them
// in the browser too (IndexedDB, through idb-keyval, as the runs are kept)
// until the learner removes them: a refused file, a denied camera, a worker
// restart or a reload loses none of them. Nothing is sent anywhere; "Download
// as zip" hands them to the learner as files (own-zip.ts), one folder per
// person, for `gradlab faces prepare --source folder`.

import { del, get, set } from 'idb-keyval';
import type { Lab } from '../../lab';
import { WorkerLost } from '../../lab';
import { faceSide, type OwnFace, type OwnPhoto } from '../../protocol';
import { download } from '../shared/png';
import { ZIP_FOLDER, ownFacesZip } from './own-zip';

/** IndexedDB key of the kept faces. */
const STORE_KEY = 'gradlab-own-faces';

export const OWN_FACES_MARKUP = `
  <section class="card own-faces" data-testid="own-faces" aria-labelledby="own-faces-title">
    <h3 id="own-faces-title">Use your own faces</h3>
    <p class="small">Bring photographs or webcam shots of 2 to 10 people, at least 3 faces each (10 is better), and
      the network above trains on them. Each photograph is cropped to its centred square, made grey and shrunk to
      64×64 (part 10's features are computed from these) and then to part 8's 32×32, as <code>gradlab faces prepare
      --source folder</code> does. <strong>Nothing is sent anywhere:
      the faces stay in this browser, unless you download them as a zip.</strong> The faces are kept here until you remove them.</p>
    <div class="own-faces-add">
      <div class="own-faces-photos" role="group" aria-labelledby="own-faces-photos-title">
        <h4 id="own-faces-photos-title">Photographs</h4>
        <label class="button">A folder, one sub-folder per person…
          <input type="file" class="visually-hidden" data-testid="own-faces-folder" webkitdirectory multiple></label>
        <p class="small">Or one person at a time:</p>
        <label>Name <input type="text" data-testid="own-faces-name" maxlength="40" autocomplete="off"></label>
        <label class="button">Photographs of them…
          <input type="file" class="visually-hidden" data-testid="own-faces-files" multiple accept="image/*,.pgm"></label>
        <p class="small">You can also drop photographs on a person below.</p>
      </div>
      <div class="own-faces-camera" role="group" aria-labelledby="own-faces-camera-title">
        <h4 id="own-faces-camera-title">Webcam</h4>
        <div class="buttons">
          <button type="button" data-testid="own-faces-camera">Start the camera</button>
          <button type="button" class="quiet" data-testid="own-faces-camera-stop" disabled>Stop the camera</button>
        </div>
        <div class="own-camera" data-testid="own-faces-video-box" hidden>
          <video data-testid="own-faces-video" muted playsinline aria-label="The camera's picture"></video>
          <div class="own-guide" aria-hidden="true"></div>
          <span class="own-countdown" data-testid="own-faces-countdown" aria-live="assertive"></span>
        </div>
        <p class="small">Put the face inside the square. Takes the name above.</p>
        <label>Shots <input type="number" data-testid="own-faces-burst" min="1" max="30" step="1" value="10" inputmode="numeric"></label>
        <button type="button" data-testid="own-faces-shoot" disabled>Take the shots</button>
      </div>
    </div>
    <ul class="own-faces-people" data-testid="own-faces-people" aria-label="Your people and their faces"></ul>
    <div class="buttons">
      <button type="button" class="primary" data-testid="own-faces-use" disabled>Train on these faces</button>
      <button type="button" data-testid="own-faces-download" disabled aria-describedby="own-faces-download-note">Download as zip</button>
      <button type="button" class="quiet" data-testid="own-faces-clear" disabled>Remove every face</button>
    </div>
    <p class="small" id="own-faces-download-note" data-testid="own-faces-download-note"></p>
    <p class="status small" data-testid="own-faces-status" role="status" aria-live="polite">No faces yet.</p>
    <ul class="own-faces-messages small" data-testid="own-faces-messages"></ul>
  </section>
`;

/** A grey face on a canvas (CSS sizes it as the other faces). */
function thumbnail(face: OwnFace, label: string): HTMLCanvasElement {
  const side = faceSide(face);
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  canvas.className = 'face-canvas';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const rgba = new Uint8ClampedArray(side * side * 4);
  face.pixels.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, side, side), 0, 0);
  return canvas;
}

/** Why the camera did not start, in words a learner can act on. */
function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'The camera was not allowed. Allow it for this page in the browser’s site settings and press Start the camera again, or use photographs.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') {
    return `No camera could be used (${error instanceof Error ? error.message || name : name}). Connect one, close other programs using it, or use photographs.`;
  }
  return `The camera did not start: ${error instanceof Error ? error.message : String(error)}. Use photographs instead.`;
}

/**
 * Mounts "Use your own faces" into `host`. `onUse` is called once the faces
 * have been sent to parts 8 and 9, so that part 8 trains on them when they
 * are loaded.
 */
export function mountOwnFaces(host: HTMLElement, lab: Lab, onUse: () => void): void {
  host.innerHTML = OWN_FACES_MARKUP;
  const find = <T extends Element>(testid: string) => host.querySelector<T>(`[data-testid="${testid}"]`)!;
  const nameInput = find<HTMLInputElement>('own-faces-name');
  const filesInput = find<HTMLInputElement>('own-faces-files');
  const folderInput = find<HTMLInputElement>('own-faces-folder');
  const peopleList = find<HTMLUListElement>('own-faces-people');
  const useButton = find<HTMLButtonElement>('own-faces-use');
  const clearButton = find<HTMLButtonElement>('own-faces-clear');
  const downloadButton = find<HTMLButtonElement>('own-faces-download');
  const downloadNote = find<HTMLElement>('own-faces-download-note');
  const status = find<HTMLElement>('own-faces-status');
  const messages = find<HTMLUListElement>('own-faces-messages');
  const cameraButton = find<HTMLButtonElement>('own-faces-camera');
  const stopButton = find<HTMLButtonElement>('own-faces-camera-stop');
  const shootButton = find<HTMLButtonElement>('own-faces-shoot');
  const burstInput = find<HTMLInputElement>('own-faces-burst');
  const videoBox = find<HTMLElement>('own-faces-video-box');
  const video = find<HTMLVideoElement>('own-faces-video');
  const countdown = find<HTMLElement>('own-faces-countdown');

  /** Every face brought, in the order added. */
  let faces: OwnFace[] = [];
  /** A request or a burst is under way: the buttons wait for it. */
  let busy = false;
  /** The zip is being made: a second press would make a second download. */
  let zipping = false;
  let stream: MediaStream | null = null;
  let shotNumber = 0;

  /** How many messages were said: a message waiting for the store is not
   * said over a later one. */
  let said = 0;
  const say = (text: string, state: 'idle' | 'working' | 'added' | 'failed' | 'used' | 'downloaded') => {
    said += 1;
    status.textContent = text;
    status.dataset.state = state;
  };
  /** Lists what the last action refused (nothing: an empty list). */
  const tell = (lines: string[]) => {
    messages.replaceChildren(
      ...lines.map((line) => {
        const li = document.createElement('li');
        li.textContent = line;
        return li;
      }),
    );
    messages.dataset.count = String(lines.length);
  };

  const people = () => [...new Set(faces.map((f) => f.person))];

  /** Keeps the faces in the browser; a failure to keep them costs nothing
   * shown. Resolves once the browser has them (true) or has said no (false). */
  const keep = () =>
    (faces.length > 0 ? set(STORE_KEY, faces) : del(STORE_KEY)).then(
      () => true,
      (error: unknown) => {
        say(`${status.textContent} (They could not be kept in this browser: ${error instanceof Error ? error.message : String(error)}.)`, 'failed');
        return false;
      },
    );

  /** Removes the faces `gone` picks. Said done only once the browser has
   * forgotten them too: a page closed before that would find them again. */
  const remove = (gone: (face: OwnFace) => boolean, removing: string, removed: string) => {
    faces = faces.filter((face) => !gone(face));
    render();
    say(removing, 'working');
    const asked = said;
    void keep().then((forgotten) => {
      if (forgotten && said === asked) say(removed, 'idle');
    });
  };

  const render = () => {
    const names = people();
    peopleList.dataset.people = String(names.length);
    peopleList.dataset.faces = String(faces.length);
    peopleList.replaceChildren(
      ...names.map((person) => {
        const own = faces.filter((f) => f.person === person);
        const li = document.createElement('li');
        li.className = 'own-person';
        li.dataset.person = person;
        const head = document.createElement('div');
        head.className = 'own-person-head';
        const title = document.createElement('strong');
        title.textContent = `${person}: ${own.length} face${own.length === 1 ? '' : 's'}`;
        const removePerson = document.createElement('button');
        removePerson.type = 'button';
        removePerson.className = 'quiet';
        removePerson.textContent = `Remove ${person}`;
        removePerson.addEventListener('click', () =>
          remove((f) => f.person === person, `Removing ${person} and their faces…`, `Removed ${person} and their faces.`),
        );
        head.append(title, removePerson);
        const strip = document.createElement('div');
        strip.className = 'own-thumbs';
        own.forEach((face, n) => {
          const cell = document.createElement('figure');
          cell.className = 'own-thumb';
          const removeFace = document.createElement('button');
          removeFace.type = 'button';
          removeFace.className = 'own-remove';
          removeFace.textContent = '×';
          removeFace.setAttribute('aria-label', `Remove ${person}'s face ${n + 1} (${face.path})`);
          removeFace.addEventListener('click', () => remove((f) => f === face, `Removing ${face.path}…`, `Removed ${face.path}.`));
          cell.append(thumbnail(face, `${person}'s face ${n + 1}`), removeFace);
          strip.append(cell);
        });
        const drop = document.createElement('p');
        drop.className = 'own-drop small';
        drop.textContent = `Drop more photographs of ${person} here.`;
        li.addEventListener('dragover', (event) => event.preventDefault());
        li.addEventListener('drop', (event) => {
          // Photographs of this person: the page's own drop handler (which
          // opens runs) sees the drop taken and only hides its overlay.
          event.preventDefault();
          const files = [...(event.dataTransfer?.files ?? [])];
          void add(person, files.map((file) => ({ kind: 'file', name: file.name, blob: file })));
        });
        li.append(head, strip, drop);
        return li;
      }),
    );
    // One action at a time: two adds for one person at once could give two
    // faces the same path.
    filesInput.disabled = busy;
    folderInput.disabled = busy;
    useButton.disabled = busy || faces.length === 0;
    clearButton.disabled = busy || faces.length === 0;
    downloadButton.disabled = zipping || faces.length === 0;
    // A disabled button says nothing by itself: the line under it says why.
    downloadNote.innerHTML =
      faces.length === 0
        ? 'Download as zip waits for faces: bring some first.'
        : `Download as zip saves ${ZIP_FOLDER}.zip, one folder per person, each face a 64×64 PNG; unzipped, ` +
          `<code>gradlab faces prepare --source folder --folder ${ZIP_FOLDER}</code> reads it.`;
    shootButton.disabled = busy || stream === null;
  };

  /** Makes `photos` into faces of `person`; refused files are listed, the rest kept. */
  async function add(person: string, photos: OwnPhoto[], transfer: Transferable[] = []): Promise<void> {
    if (photos.length === 0) return;
    if (busy) {
      say(`Wait until the faces being prepared are in, then add ${person}'s again.`, 'failed');
      return;
    }
    busy = true;
    render();
    say(`Preparing ${photos.length} face${photos.length === 1 ? '' : 's'} of ${person}…`, 'working');
    try {
      const taken = faces.filter((f) => f.person === person).map((f) => f.path);
      const result = await lab.request({ type: 'own-faces-add', person, photos, taken }, transfer);
      faces.push(...result.added);
      void keep();
      tell(result.refused.map((r) => r.message));
      const refused = result.refused.length > 0 ? `; ${result.refused.length} refused (below)` : '';
      say(`Added ${result.added.length} face${result.added.length === 1 ? '' : 's'} of ${person}${refused}. ${faces.length} faces of ${people().length} people in all.`, result.added.length > 0 ? 'added' : 'failed');
    } catch (error) {
      if (!(error instanceof WorkerLost)) {
        const message = error instanceof Error ? error.message : String(error);
        tell([message]);
        say(`Nothing added for ${person}: ${message}. The faces you had are all still here.`, 'failed');
      }
    } finally {
      busy = false;
      render();
    }
  }

  const personName = (): string | null => {
    const name = nameInput.value.trim();
    if (name) return name;
    say('Type the person’s name first.', 'failed');
    nameInput.focus();
    return null;
  };

  filesInput.addEventListener('change', () => {
    const files = [...(filesInput.files ?? [])];
    filesInput.value = '';
    const person = personName();
    if (person) void add(person, files.map((file) => ({ kind: 'file', name: file.name, blob: file })));
  });

  folderInput.addEventListener('change', async () => {
    const files = [...(folderInput.files ?? [])];
    folderInput.value = '';
    const byPerson = new Map<string, File[]>();
    const outside: string[] = [];
    for (const file of files) {
      const parts = (file.webkitRelativePath || file.name).split('/');
      if (parts.some((p) => p.startsWith('.'))) continue; // Hidden files, as the folder reader skips them.
      if (parts.length < 3) {
        outside.push(file.name);
        continue;
      }
      const person = parts[parts.length - 2];
      byPerson.set(person, [...(byPerson.get(person) ?? []), file]);
    }
    if (byPerson.size === 0) {
      tell([]);
      say('That folder has no sub-folders of photographs: put each person’s photographs in a sub-folder named after them.', 'failed');
      return;
    }
    for (const [person, list] of byPerson) {
      await add(person, list.map((file) => ({ kind: 'file', name: file.name, blob: file })));
    }
    if (outside.length > 0) {
      const li = document.createElement('li');
      li.textContent = `Passed over, not in a person’s sub-folder: ${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ', …' : ''}`;
      messages.append(li);
    }
  });

  // ---- the webcam
  const stopCamera = () => {
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    videoBox.hidden = true;
    videoBox.dataset.state = 'stopped';
    cameraButton.disabled = false;
    stopButton.disabled = true;
    render();
  };
  cameraButton.addEventListener('click', async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      say('This browser gives the page no camera (a camera needs https:// or localhost). Use photographs instead.', 'failed');
      return;
    }
    cameraButton.disabled = true;
    say('Starting the camera…', 'working');
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      video.srcObject = stream;
      videoBox.hidden = false;
      await video.play();
      stopButton.disabled = false;
      say('The camera is on. Name the person, put their face in the square and press Take the shots.', 'idle');
      videoBox.dataset.state = 'live';
    } catch (error) {
      stopCamera();
      say(cameraProblem(error), 'failed');
    }
    render();
  });
  stopButton.addEventListener('click', stopCamera);

  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** The square under the guide box (80% of the picture's shorter side, centred) as RGBA. */
  const grab = (): OwnPhoto | null => {
    const { videoWidth: w, videoHeight: h } = video;
    if (!w || !h) return null;
    const side = Math.round(0.8 * Math.min(w, h));
    const canvas = document.createElement('canvas');
    canvas.width = side;
    canvas.height = side;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(video, Math.round((w - side) / 2), Math.round((h - side) / 2), side, side, 0, 0, side, side);
    const data = context.getImageData(0, 0, side, side).data;
    shotNumber += 1;
    return { kind: 'pixels', name: `shot-${shotNumber}`, width: side, height: side, rgba: data.buffer as ArrayBuffer };
  };

  shootButton.addEventListener('click', async () => {
    const person = personName();
    const count = Number(burstInput.value);
    if (!person || !stream) return;
    if (!Number.isInteger(count) || count < 1 || count > 30) {
      say('Shots must be a whole number from 1 to 30.', 'failed');
      return;
    }
    busy = true;
    render();
    // A short countdown to get into place, then the shots a little apart so
    // that they are not all the same pose.
    for (const n of [3, 2, 1]) {
      countdown.textContent = String(n);
      await wait(700);
    }
    countdown.textContent = '';
    const shots: OwnPhoto[] = [];
    for (let i = 0; i < count && stream; i++) {
      const shot = grab();
      if (shot) shots.push(shot);
      countdown.textContent = `${i + 1} / ${count}`;
      await wait(250);
    }
    countdown.textContent = '';
    busy = false;
    if (shots.length === 0) {
      say('The camera gave no picture: stop it and start it again.', 'failed');
      render();
      return;
    }
    await add(
      person,
      shots,
      shots.map((s) => (s.kind === 'pixels' ? s.rgba : new ArrayBuffer(0))),
    );
  });

  downloadButton.addEventListener('click', () => {
    // The faces as they are now; adding or removing meanwhile changes
    // neither them nor this zip.
    const taken = [...faces];
    const persons = new Set(taken.map((f) => f.person)).size;
    const count = `${taken.length} face${taken.length === 1 ? '' : 's'} of ${persons} ${persons === 1 ? 'person' : 'people'}`;
    zipping = true;
    render();
    say(`Making ${ZIP_FOLDER}.zip of ${count}…`, 'working');
    ownFacesZip(taken)
      .then((zip) => {
        download(new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), `${ZIP_FOLDER}.zip`);
        say(`Downloaded ${ZIP_FOLDER}.zip: ${count}, one folder per person.`, 'downloaded');
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        say(`The zip could not be made: ${message}. Your faces are all still here.`, 'failed');
      })
      .finally(() => {
        zipping = false;
        render();
      });
  });

  clearButton.addEventListener('click', () => {
    tell([]);
    remove(() => true, 'Removing every face…', 'Removed every face: this browser no longer keeps them.');
  });

  useButton.addEventListener('click', () => {
    busy = true;
    render();
    say(`Preparing ${faces.length} faces of ${people().length} people…`, 'working');
    lab
      .request({ type: 'own-faces-use', faces, seed: 0 })
      .then((run) => {
        tell([]);
        say(`Your faces are in parts 8 and 9 (${run.description}); training the network on them.`, 'used');
        onUse();
      })
      .catch((error: unknown) => {
        if (error instanceof WorkerLost) return;
        const message = error instanceof Error ? error.message : String(error);
        // The learner's to fix (too few faces, one person): said here, not
        // in the page's error panel.
        say(`Not yet: ${message}. Your faces are all still here.`, 'failed');
      })
      .finally(() => {
        busy = false;
        render();
      });
  });

  render();
  get<OwnFace[]>(STORE_KEY)
    .then((kept) => {
      // Faces brought before the kept ones were read come first.
      if (!Array.isArray(kept) || kept.length === 0) return;
      faces = [...kept, ...faces];
      void keep();
      say(`${kept.length} faces of ${new Set(kept.map((f) => f.person)).size} people kept from before.`, 'idle');
      render();
    })
    .catch(() => {
      // No IndexedDB (a private window may refuse it): nothing was kept to show.
    })
    .finally(() => {
      peopleList.dataset.kept = 'read';
    });
}
