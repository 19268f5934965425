//! A learner's own runs: what `gradlab ... --out DIR` writes, opened again
//! (by the page, from files a person picks or drops, or from a folder on a
//! static server) and checked that its files belong together.
//!
//! A run is recognised by its file names, folder by folder, so that a whole
//! `out/` folder with several runs in it opens at once:
//!
//! | the folder holds | written by | a |
//! | --- | --- | --- |
//! | `model.safetensors` (28x28 inputs), `report.json` | `gradlab mnist train --out DIR` | [`DigitsRun`] |
//! | `faces.safetensors` (and `faces.json`), with `model.safetensors` and `training.json` once trained | `gradlab faces prepare`, `gradlab faces train` | [`FacesRun`] |
//! | `features.safetensors`, `classifier.safetensors`, `features.json` | `gradlab features --out DIR` | [`FeaturesRun`] |
//!
//! Other files (`gallery.png`, part 9's `hidden/*.png`, anything else) are
//! passed over and listed. Every check that fails names the file and says
//! what is wrong and what to do; nothing half-read is returned. The file
//! formats themselves are [`crate::formats`]'.

use crate::export::model_from_safetensors;
use crate::faces::training::TrainingSummary;
use crate::faces::{
    FaceSet, FacesError, Manifest, FACES_FILE, MANIFEST_FILE, MODEL_FILE, TRAINING_FILE,
};
use crate::formats::{read_json, FileError};
use crate::mnist::N_CLASSES;
use crate::network::{Mlp, Model, ModelKind, Network};
use crate::train::{TrainingReport, REPORT_FORMAT, REPORT_VERSION};
use crate::transfer::{FeaturesRun, TransferError, CLASSIFIER_FILE, FEATURES_FILE, RESULTS_FILE};

/// `report.json`'s name in a digits run's folder.
pub const REPORT_FILE: &str = "report.json";

/// The largest file a run may hold. The largest gradlab writes are a
/// 784-1000-10 network (3.2 MB) and AlexNet's fc6 features of a few
/// thousand faces (tens of MB); a file far past that is not one of them,
/// and the page refuses it before reading it into memory.
pub const MAX_FILE_BYTES: usize = 256 << 20;

/// Why a run could not be opened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Faces(#[from] FacesSetError),
    #[error(transparent)]
    Features(#[from] TransferError),
    #[error("{file} is {size} bytes; no file of a gradlab run is larger than {MAX_FILE_BYTES} bytes, so this is not one: open the folder `gradlab` wrote with --out")]
    TooLarge { file: String, size: u64 },
    #[error("{file} does not go with {other}: {reason}")]
    Mismatch {
        file: String,
        other: String,
        reason: String,
    },
    #[error(
        "{file} needs {missing} beside it ({why}); open the whole folder that `gradlab` wrote"
    )]
    Missing {
        file: String,
        missing: &'static str,
        why: &'static str,
    },
    #[error("none of {files} is a gradlab run: open the folder that `gradlab mnist train`, `gradlab faces prepare`/`train` or `gradlab features` wrote with --out (model.safetensors and report.json, faces.safetensors, features.safetensors ...)")]
    NotARun { files: String },
}

/// [`FacesError`] as a run's error: the faces' own messages, comparable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FacesSetError(String);

impl From<FacesError> for RunError {
    fn from(error: FacesError) -> Self {
        match error {
            FacesError::File(file) => RunError::File(file),
            other => RunError::Faces(FacesSetError(other.to_string())),
        }
    }
}

/// A digits network a person trained: `gradlab mnist train --out DIR`, or
/// a network saved from the page.
#[derive(Clone, Debug)]
pub struct DigitsRun {
    /// The model file's name, for the page to say which run it shows.
    pub name: String,
    pub model: Model<f32>,
    /// Its settings and learning curve, when `report.json` came with it.
    pub report: Option<TrainingReport>,
}

impl DigitsRun {
    /// Reads a model file (and its report), checking that the network reads
    /// 28x28 digits into ten classes and that the report describes it.
    pub fn read(model: (&str, &[u8]), report: Option<(&str, &[u8])>) -> Result<Self, RunError> {
        let (network, shape) = model_from_safetensors(model.0, model.1)?;
        let outputs = network.weights().last().map_or(0, |w| w.ncols());
        if shape != (28, 28) || outputs != N_CLASSES {
            return Err(RunError::Mismatch {
                file: model.0.into(),
                other: "MNIST".into(),
                reason: format!(
                    "the network reads {}x{} images ({} inputs) into {outputs} classes, and MNIST's digits are 28x28 (784 inputs) of 10 classes; it is not a digits network (a faces network belongs with its faces.safetensors)",
                    shape.0,
                    shape.1,
                    shape.0 * shape.1
                ),
            });
        }
        let report = match report {
            None => None,
            Some((file, bytes)) => {
                let report: TrainingReport =
                    read_json(file, bytes, "the report.json of `gradlab mnist train`")?;
                check_report(&report, file, &network, model.0)?;
                Some(report)
            }
        };
        Ok(DigitsRun {
            name: model.0.into(),
            model: network,
            report,
        })
    }
}

fn check_report(
    report: &TrainingReport,
    file: &str,
    network: &Model<f32>,
    model_file: &str,
) -> Result<(), RunError> {
    if report.format != REPORT_FORMAT || report.version != REPORT_VERSION {
        return Err(FileError::Version {
            file: file.into(),
            found: format!("{} {}", report.format, report.version),
            expected: REPORT_VERSION,
        }
        .into());
    }
    let mismatch = |reason: String| RunError::Mismatch {
        file: file.into(),
        other: model_file.into(),
        reason,
    };
    let kind = match network {
        Model::Softmax(_) => ModelKind::Softmax,
        Model::Mlp(_) => ModelKind::Mlp,
    };
    if report.model.kind != kind {
        return Err(mismatch(format!(
            "the report is of a {:?} network and the model file holds a {} one; they come from different runs",
            report.model.kind,
            network.kind()
        )));
    }
    if let Model::Mlp(mlp) = network {
        let hidden = mlp.sizes()[1];
        if report.model.hidden_units != hidden {
            return Err(mismatch(format!(
                "the report says {} hidden units and the model has {hidden}; they come from different runs",
                report.model.hidden_units
            )));
        }
    }
    if report.curve.is_empty() {
        return Err(mismatch("the report has no learning curve".into()));
    }
    Ok(())
}

/// Prepared faces, and the network trained on them when there is one:
/// `gradlab faces prepare --out DIR`, then `gradlab faces train --data DIR`.
#[derive(Clone, Debug)]
pub struct FacesRun {
    pub faces: FaceSet,
    pub manifest: Option<Manifest>,
    /// The trained network and its `training.json`, together or not at all.
    pub trained: Option<(Mlp<f32>, TrainingSummary)>,
}

impl FacesRun {
    /// Reads the faces (and `faces.json`, the network and `training.json`
    /// where given), checking that the network takes these faces and tells
    /// these people apart.
    pub fn read(
        faces: (&str, &[u8]),
        manifest: Option<(&str, &[u8])>,
        model: Option<(&str, &[u8])>,
        training: Option<(&str, &[u8])>,
    ) -> Result<Self, RunError> {
        let set = FaceSet::from_safetensors(faces.0, faces.1)?;
        let manifest = match manifest {
            None => None,
            Some((file, bytes)) => {
                let manifest: Manifest =
                    read_json(file, bytes, "the faces.json of `gradlab faces prepare`")?;
                let people: Vec<&str> = manifest.people.iter().map(|p| p.name.as_str()).collect();
                if people != set.people() || manifest.size != set.size() {
                    return Err(RunError::Mismatch {
                        file: file.into(),
                        other: faces.0.into(),
                        reason: "they describe different people or sizes; prepare the faces again"
                            .into(),
                    });
                }
                Some(manifest)
            }
        };
        let trained = match (model, training) {
            (None, None) => None,
            (Some((file, _)), None) => {
                return Err(RunError::Missing {
                    file: file.into(),
                    missing: TRAINING_FILE,
                    why: "the network's curves and settings",
                })
            }
            (None, Some((file, _))) => {
                return Err(RunError::Missing {
                    file: file.into(),
                    missing: MODEL_FILE,
                    why: "the network it describes",
                })
            }
            (Some(model), Some(training)) => Some(read_trained(&set, faces.0, model, training)?),
        };
        Ok(FacesRun {
            faces: set,
            manifest,
            trained,
        })
    }
}

fn read_trained(
    faces: &FaceSet,
    faces_file: &str,
    model: (&str, &[u8]),
    training: (&str, &[u8]),
) -> Result<(Mlp<f32>, TrainingSummary), RunError> {
    let (network, shape) = model_from_safetensors(model.0, model.1)?;
    let mismatch = |file: &str, other: &str, reason: String| RunError::Mismatch {
        file: file.into(),
        other: other.into(),
        reason,
    };
    let network = match network {
        Model::Mlp(mlp) if mlp.weights().len() == 2 => mlp,
        other => {
            return Err(mismatch(
                model.0,
                faces_file,
                format!(
                    "it holds a {} network with {} layers; a faces network has one hidden layer",
                    other.kind(),
                    other.weights().len()
                ),
            ))
        }
    };
    let sizes = network.sizes();
    let n_people = faces.people().len();
    if shape != (faces.size(), faces.size()) {
        return Err(mismatch(
            model.0,
            faces_file,
            format!(
                "the network takes {}x{} images and the faces are {}x{}",
                shape.0,
                shape.1,
                faces.size(),
                faces.size()
            ),
        ));
    }
    if sizes[2] != n_people {
        return Err(mismatch(
            model.0,
            faces_file,
            format!(
                "the network tells {} people apart and the faces are of {n_people}: train it again on these faces",
                sizes[2]
            ),
        ));
    }
    let summary: TrainingSummary = read_json(
        training.0,
        training.1,
        "the training.json of `gradlab faces train`",
    )?;
    if summary.people != faces.people() {
        return Err(mismatch(
            training.0,
            faces_file,
            format!(
                "it names the people {} and the faces are of {}",
                summary.people.join(", "),
                faces.people().join(", ")
            ),
        ));
    }
    if summary.hidden_units != sizes[1] || summary.curve.is_empty() {
        return Err(mismatch(
            training.0,
            model.0,
            format!(
                "it describes a network of {} hidden units and the model has {}; they come from different runs",
                summary.hidden_units, sizes[1]
            ),
        ));
    }
    Ok((network, summary))
}

/// Any run, as [`open`] recognises it.
pub enum Run {
    Digits(DigitsRun),
    Faces(FacesRun),
    Features(FeaturesRun),
}

/// What [`open`] found: the runs, each with the folder it was in (`""` for
/// files opened on their own), and the files it passed over.
pub struct Opened {
    pub runs: Vec<(String, Run)>,
    pub ignored: Vec<String>,
}

/// The folder part of a path (`out/faces/model.safetensors` -> `out/faces`).
fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Refuses a file too large to be a run's before anyone reads it: the page
/// asks with the file's size, then reads only what passes.
pub fn check_size(file: &str, size: u64) -> Result<(), RunError> {
    if size > MAX_FILE_BYTES as u64 {
        return Err(RunError::TooLarge {
            file: file.into(),
            size,
        });
    }
    Ok(())
}

/// Recognises and reads every run among `files` (each a path, with `/`
/// between folders, and its bytes), folder by folder.
pub fn open(files: &[(String, Vec<u8>)]) -> Result<Opened, RunError> {
    for (name, bytes) in files {
        check_size(name, bytes.len() as u64)?;
    }
    let mut folders: Vec<&str> = files.iter().map(|(name, _)| folder_of(name)).collect();
    folders.sort_unstable();
    folders.dedup();
    let mut runs = Vec::new();
    let mut used = vec![false; files.len()];
    for folder in folders {
        let find = |name: &str| {
            files
                .iter()
                .position(|(path, _)| folder_of(path) == folder && file_name(path) == name)
        };
        let mut take = |name: &str| {
            find(name).map(|i| {
                used[i] = true;
                (files[i].0.as_str(), files[i].1.as_slice())
            })
        };
        if let Some(features) = take(FEATURES_FILE) {
            let classifier = take(CLASSIFIER_FILE).ok_or(RunError::Missing {
                file: features.0.into(),
                missing: CLASSIFIER_FILE,
                why: "the classifier trained on the features",
            })?;
            let results = take(RESULTS_FILE).ok_or(RunError::Missing {
                file: features.0.into(),
                missing: RESULTS_FILE,
                why: "the comparison with pixels",
            })?;
            let run = FeaturesRun::read(features, classifier, results)?;
            runs.push((folder.to_string(), Run::Features(run)));
        }
        if let Some(faces) = take(FACES_FILE) {
            let (manifest, model, training) =
                (take(MANIFEST_FILE), take(MODEL_FILE), take(TRAINING_FILE));
            let run = FacesRun::read(faces, manifest, model, training)?;
            runs.push((folder.to_string(), Run::Faces(run)));
        } else if let Some(training) = take(TRAINING_FILE) {
            return Err(RunError::Missing {
                file: training.0.into(),
                missing: FACES_FILE,
                why: "the faces the network was trained on",
            });
        } else if let Some(model) = take(MODEL_FILE) {
            runs.push((
                folder.to_string(),
                Run::Digits(DigitsRun::read(model, take(REPORT_FILE))?),
            ));
        }
    }
    let ignored: Vec<String> = files
        .iter()
        .zip(&used)
        .filter(|(_, &used)| !used)
        .map(|((name, _), _)| name.clone())
        .collect();
    if runs.is_empty() {
        let mut names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        names.truncate(8);
        return Err(RunError::NotARun {
            files: if names.is_empty() {
                "no files".into()
            } else {
                names.join(", ")
            },
        });
    }
    Ok(Opened { runs, ignored })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::model_to_safetensors;
    use crate::network::{Activation, ModelSpec};
    use crate::train::{CurvePoint, TrainConfig, Trainer};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn digits_model(kind: ModelKind, shape: (usize, usize)) -> Model<f32> {
        ModelSpec {
            kind,
            hidden_units: 8,
            activation: Activation::Tanh,
        }
        .build(
            shape.0 * shape.1,
            10,
            &mut Trainer::<Model<f32>>::rng_for(0),
        )
    }

    fn report(kind: ModelKind, hidden_units: usize) -> Vec<u8> {
        let point = CurvePoint {
            iteration: 0,
            epoch: 0.0,
            train_cost: 2.3,
            train_accuracy: 0.1,
            test_cost: 2.3,
            test_accuracy: 0.1,
        };
        let report = TrainingReport {
            format: REPORT_FORMAT.into(),
            version: REPORT_VERSION,
            model: ModelSpec {
                kind,
                hidden_units,
                activation: Activation::Tanh,
            },
            config: TrainConfig::default(),
            test_accuracy: 0.1,
            test_cost: 2.3,
            train_accuracy: 0.1,
            seconds: 1.0,
            train_images: 10,
            test_images: 10,
            curve: vec![point],
        };
        serde_json::to_vec(&report).unwrap()
    }

    fn file(name: &str, bytes: Vec<u8>) -> (String, Vec<u8>) {
        (name.to_string(), bytes)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_digits_folder_opens_and_other_files_are_listed() {
        let model = digits_model(ModelKind::Mlp, (28, 28));
        let files = vec![
            file(
                "out/mine/model.safetensors",
                model_to_safetensors(&model, (28, 28)),
            ),
            file("out/mine/report.json", report(ModelKind::Mlp, 8)),
            file("out/mine/notes.txt", b"mine".to_vec()),
        ];
        let opened = open(&files).unwrap();
        assert_eq!(opened.ignored, ["out/mine/notes.txt"]);
        let [(folder, Run::Digits(run))] = &opened.runs[..] else {
            panic!("one digits run")
        };
        assert_eq!(folder, "out/mine");
        assert_eq!(run.name, "out/mine/model.safetensors");
        assert_eq!(run.model.weights(), model.weights());
        assert_eq!(run.report.as_ref().unwrap().model.hidden_units, 8);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_network_of_other_images_or_another_run_is_refused_by_name() {
        // 32x32 inputs (1,024 of them): a faces-sized network, not a digits one.
        let wide = digits_model(ModelKind::Softmax, (32, 32));
        let error = DigitsRun::read(
            ("w.safetensors", &model_to_safetensors(&wide, (32, 32))),
            None,
        )
        .err()
        .unwrap();
        assert!(
            error.to_string().starts_with("w.safetensors does not go with MNIST: the network reads 32x32 images (1024 inputs)"),
            "{error}"
        );
        let mlp = digits_model(ModelKind::Mlp, (28, 28));
        let bytes = model_to_safetensors(&mlp, (28, 28));
        let error = DigitsRun::read(("m", &bytes), Some(("r.json", &report(ModelKind::Mlp, 30))))
            .err()
            .unwrap();
        assert!(
            error
                .to_string()
                .contains("says 30 hidden units and the model has 8"),
            "{error}"
        );
        let error = DigitsRun::read(("m", &bytes), Some(("r.json", b"{\"format\": 1}")))
            .err()
            .unwrap();
        assert!(
            matches!(error, RunError::File(FileError::Format { .. })),
            "{error}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn half_a_run_says_what_is_missing_and_nothing_is_not_a_run() {
        let error = open(&[file("f/training.json", b"{}".to_vec())])
            .err()
            .unwrap();
        assert!(
            matches!(
                error,
                RunError::Missing {
                    missing: "faces.safetensors",
                    ..
                }
            ),
            "{error}"
        );
        let error = open(&[file("a.png", vec![1, 2, 3])]).err().unwrap();
        assert!(
            error
                .to_string()
                .starts_with("none of a.png is a gradlab run"),
            "{error}"
        );
        let error = open(&[]).err().unwrap();
        assert!(matches!(error, RunError::NotARun { .. }));
    }

    /// `n` people of 5 tiny faces each, told apart by brightness.
    fn faces_of(n: u8) -> FaceSet {
        use crate::faces::{PrepareConfig, SourceImage};
        let images: Vec<SourceImage> = (0..n)
            .flat_map(|person| {
                (0..5u8).map(move |i| SourceImage {
                    person: format!("p{person}"),
                    file: format!("p{person}/{i}.png"),
                    image: image::GrayImage::from_pixel(4, 4, image::Luma([person * 60 + i])),
                })
            })
            .collect();
        let people: Vec<String> = (0..n).map(|p| format!("p{p}")).collect();
        let config = PrepareConfig {
            size: 4,
            ..PrepareConfig::default()
        };
        FaceSet::prepare(&images, &people, &config).unwrap()
    }

    /// The four files of a prepared and trained faces folder.
    fn faces_folder(faces: &FaceSet, trained_on: &FaceSet) -> Vec<(String, Vec<u8>)> {
        use crate::faces::training::{train_faces, FacesTrainConfig};
        let config = FacesTrainConfig {
            hidden_units: 3,
            train: TrainConfig {
                epochs: 2,
                ..FacesTrainConfig::default().train
            },
            ..FacesTrainConfig::default()
        };
        let report = train_faces(trained_on, &config, |_| {}).unwrap();
        let summary = TrainingSummary::new(trained_on, &config, &report);
        let manifest = faces.manifest(
            "folder",
            &crate::faces::PrepareConfig {
                size: 4,
                ..Default::default()
            },
            &[],
            &[],
        );
        vec![
            file("faces/faces.safetensors", faces.to_safetensors()),
            file("faces/faces.json", serde_json::to_vec(&manifest).unwrap()),
            file(
                "faces/model.safetensors",
                model_to_safetensors(&Model::Mlp(report.network), (4, 4)),
            ),
            file("faces/training.json", serde_json::to_vec(&summary).unwrap()),
            file("faces/hidden/p0-unit1.png", vec![0x89]),
        ]
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_faces_folder_opens_with_its_network() {
        let faces = faces_of(3);
        let opened = open(&faces_folder(&faces, &faces)).unwrap();
        assert_eq!(opened.ignored, ["faces/hidden/p0-unit1.png"]);
        let [(_, Run::Faces(run))] = &opened.runs[..] else {
            panic!("one faces run")
        };
        assert_eq!(run.faces, faces);
        let (network, summary) = run.trained.as_ref().unwrap();
        assert_eq!(network.sizes(), [16, 3, 3]);
        assert_eq!(summary.people, ["p0", "p1", "p2"]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_network_of_other_people_is_refused_by_name() {
        // Trained on two people, opened beside faces of three.
        let error = open(&faces_folder(&faces_of(3), &faces_of(2)))
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "faces/model.safetensors does not go with faces/faces.safetensors: the network tells 2 people apart and the faces are of 3: train it again on these faces"
        );
        // Only the network, without its training.json.
        let mut files = faces_folder(&faces_of(3), &faces_of(3));
        files.remove(3);
        let error = open(&files).err().unwrap();
        assert!(
            matches!(
                error,
                RunError::Missing {
                    missing: "training.json",
                    ..
                }
            ),
            "{error}"
        );
    }
}
