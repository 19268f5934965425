// The worker's side of a learner's own runs: the files they opened, read and
// checked by the library (src/runs.rs, through RunFiles), each run handed to
// the part of the page it belongs to in place of the shipped one, and back.

import { Features, RunFiles, checkRunFileSize, type Faces, type OpenedRuns } from '../../pkg/gradlab.js';
import { OWN_FACES_RUN as OWN_FACES, OWN_FEATURES_RUN as OWN_FEATURES, type FromWorker, type OpenResult, type OpenedRun, type RunArea, type RunFile, type SavedFiles } from '../protocol';
import type { createDigits } from './digits';
import type { createFaces } from './faces';
import type { createFeatures } from './features';

export interface OwnRunsHost {
  post(message: FromWorker): void;
  digits: ReturnType<typeof createDigits>;
  faces: ReturnType<typeof createFaces>;
  features: ReturnType<typeof createFeatures>;
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;


/** The name a run goes by on the page: its folder's last part, or its file's. */
function runName(folder: string, fallback: string): string {
  return folder.split('/').filter(Boolean).pop() ?? fallback;
}

export function createOwnRuns(host: OwnRunsHost) {
  const shown: Record<RunArea, OpenedRun | null> = { digits: null, faces: null, features: null };
  /** The learner's own faces at 64x64, for part 10, while parts 8 and 9 show them at 32x32. */
  let featureFaces: Faces | null = null;
  const forgetFeatureFaces = () => {
    featureFaces?.free();
    featureFaces = null;
  };

  const announce = (changed: RunArea[]) => host.post({ type: 'own-runs', runs: { ...shown }, changed });

  /** Features of faces no longer shown go with them; returns the areas changed. */
  const closeOwnFeatures = (): RunArea[] => {
    if (shown.features?.name !== OWN_FEATURES) return [];
    shown.features = null;
    host.features.closeRun();
    return ['features'];
  };

  /** Hands run `i` of `opened` to its part of the page; says what it is. */
  function use(opened: OpenedRuns, i: number): OpenedRun {
    const folder = opened.folder(i);
    switch (opened.kind(i)) {
      case 'digits': {
        const digits = opened.digitsInfo(i);
        const report = digits.report;
        const name = runName(folder, digits.name);
        const kind = digits.kind === 'mlp' ? 'one-hidden-layer network' : 'softmax network';
        const run: OpenedRun = {
          area: 'digits',
          name,
          digits,
          description: report
            ? `a ${kind} trained by gradlab mnist train: test accuracy ${percent(report.test_accuracy)} after ${report.config.epochs} epoch${report.config.epochs === 1 ? '' : 's'}`
            : `a ${kind} (no report.json beside it: no curves or settings)`,
        };
        host.digits.useRun(opened.digitsClassifier(i), run);
        return run;
      }
      case 'faces': {
        forgetFeatureFaces();
        const faces = opened.faces(i);
        const network = opened.facesNetwork(i) ?? null;
        const summary = opened.facesSummary(i) ?? null;
        const name = runName(folder, 'faces');
        const people = faces.people().names.length;
        const run: OpenedRun = {
          area: 'faces',
          name,
          description:
            `${faces.labels().length} faces of ${people} people at ${faces.size}×${faces.size}` +
            (summary ? `, trained: test accuracy ${percent(summary.test_accuracy)}` : ', not trained yet (Retrain trains on them)'),
        };
        host.faces.useRun(faces, network, summary, name);
        return run;
      }
      default: {
        const features = opened.features(i);
        const summary = features.summary();
        const name = runName(folder, 'features');
        const run: OpenedRun = {
          area: 'features',
          name,
          description: `${features.backbone} ${features.layer} features of ${features.length} faces: test accuracy ${percent(summary.test_accuracy)} on features, ${percent(summary.pixel_test_accuracy)} on pixels`,
        };
        host.features.useRun(features, name);
        return run;
      }
    }
  }

  return {
    /** Reads `files` as runs; each takes the place of the shipped one of its
     * part. Throws, with what is wrong and nothing changed, if any file is. */
    async open(files: RunFile[]): Promise<OpenResult> {
      // Every size first: a 2 GB file is refused before anything is read.
      for (const file of files) checkRunFileSize(file.path, file.blob.size);
      const gathered = new RunFiles();
      let opened: OpenedRuns;
      try {
        for (const file of files) gathered.add(file.path, new Uint8Array(await file.blob.arrayBuffer()));
        opened = gathered.open();
      } finally {
        gathered.free();
      }
      try {
        const runs: OpenedRun[] = [];
        for (let i = 0; i < opened.length; i++) {
          const run = use(opened, i);
          shown[run.area] = run;
          runs.push(run);
        }
        announce(runs.map((run) => run.area));
        return { runs, ignored: opened.ignored() };
      } finally {
        opened.free();
      }
    },

    /** The faces the learner brought (chapter 8, "Use your own faces"), shown
     * in parts 8 and 9 as an opened faces run is, not trained yet; the same
     * faces at part 10's size are kept for it (the worker owns both). */
    useOwnFaces(faces: Faces, forFeatures: Faces): OpenedRun {
      const people = faces.people().names;
      const run: OpenedRun = {
        area: 'faces',
        name: OWN_FACES,
        description: `${faces.labels().length} faces of ${people.length} people (${people.join(', ')}) at ${faces.size}×${faces.size}, brought here`,
      };
      host.faces.useRun(faces, null, null, run.name);
      forgetFeatureFaces();
      featureFaces = forFeatures;
      shown.faces = run;
      announce(['faces', ...closeOwnFeatures()]);
      return run;
    },

    /** The learner's own faces at part 10's size, if parts 8 and 9 show them. */
    ownFaces(): Faces | null {
      return shown.faces?.name === OWN_FACES ? featureFaces : null;
    },

    /** Part 10's features of the learner's faces, computed in the page by
     * part 10's worker (`files` as `gradlab features --out` writes them),
     * shown in chapter 10 as an opened features run is. */
    useOwnFeatures(files: SavedFiles): OpenedRun {
      const file = (name: string) => {
        const bytes = files[name];
        if (!bytes) throw new Error(`part 10's worker sent no ${name}`);
        return bytes;
      };
      const features = Features.fromRun(
        'features.safetensors',
        file('features.safetensors'),
        'classifier.safetensors',
        file('classifier.safetensors'),
        'features.json',
        file('features.json'),
      );
      const summary = features.summary();
      const run: OpenedRun = {
        area: 'features',
        name: OWN_FEATURES,
        description: `${features.backbone} ${features.layer} features of your ${features.length} faces, computed in this page: test accuracy ${percent(summary.test_accuracy)} on features, ${percent(summary.pixel_test_accuracy)} on pixels`,
      };
      host.features.useRun(features, run.name);
      shown.features = run;
      announce(['features']);
      return run;
    },

    /** Back to the shipped run in `area`. */
    close(area: RunArea): void {
      if (!shown[area]) return;
      const changed = [area, ...(area === 'faces' ? closeOwnFeatures() : [])];
      shown[area] = null;
      if (area === 'digits') host.digits.closeRun();
      else if (area === 'faces') {
        host.faces.closeRun();
        forgetFeatureFaces();
      }
      else host.features.closeRun();
      announce(changed);
    },
  };
}
