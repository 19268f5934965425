//! Part 10: a small classifier on a pretrained network's features instead of
//! on pixels.
//!
//! The features of each face (one number per channel of a chosen layer, see
//! [`crate::cnn`]) become a [`FeatureSet`]: scaled to 0..1 by each feature's
//! largest value on the training set and stored as 8 bits, exactly as pixels
//! are. The classifier, its trainer and the page's worker then treat them as
//! they treat a face: the same one-hidden-layer network
//! ([`crate::faces::training`]), on the same split, so that the comparison
//! with pixels is about the inputs and nothing else. (Eight bits keep 0.2% of
//! a feature's range; the difference in accuracy is below one test face.)
//!
//! This module needs no CNN: the page reads `features.safetensors` and
//! retrains the classifier in its worker.
//!
//! `features.safetensors` (format `gradlab-features`, version 1):
//!
//! | tensor | dtype | shape | |
//! | --- | --- | --- | --- |
//! | `features` | U8 | n x d | quantised features, one face per row |
//! | `scale` | F32 | d | each feature's value at 255 |
//! | `labels` | U8 | n | person, an index into metadata `people` |
//! | `splits` | U8 | n | 0 train, 1 validation, 2 test |
//!
//! Metadata: `format`, `version`, `backbone`, `layer`, `people` and `files`
//! (JSON lists, the faces' order in `faces.safetensors`).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::export::{model_from_safetensors, model_to_safetensors};
use crate::faces::training::{
    train_faces, train_on, FacesCurvePoint, FacesTrainConfig, FacesTrainReport, Prediction, Splits,
};
use crate::faces::{read_rows, write_rows, FaceSet, Split};
use crate::formats::{read_json, FileError, TensorFile, TensorWriter};
use crate::mnist::Dataset;
use crate::network::{Activation, Mlp, Model};
use crate::optim::OptimizerKind;
use crate::train::{TrainConfig, TrainError};

pub const FEATURES_FORMAT: &str = "gradlab-features";
pub const FEATURES_VERSION: u32 = 1;
pub const FEATURES_FILE: &str = "features.safetensors";
pub const CLASSIFIER_FILE: &str = "classifier.safetensors";
pub const RESULTS_FILE: &str = "features.json";
/// A layer's channels: the widest layer of either network has 4096.
pub const MAX_FEATURES: usize = 65_536;

/// Why features could not be made or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{rows} feature rows for {faces} faces")]
    Count { rows: usize, faces: usize },
    #[error("face {index} ({file}): {reason}")]
    Row {
        index: usize,
        file: String,
        reason: String,
    },
    #[error("{first} and {second} disagree on {what} ({found} against {expected}): they come from different runs; export them again with `gradlab features`")]
    Mismatch {
        first: String,
        second: String,
        what: String,
        found: String,
        expected: String,
    },
}

/// Part 10's inputs: one row of quantised features per face, with the faces'
/// people and split.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureSet {
    backbone: String,
    layer: String,
    people: Vec<String>,
    features: Array2<u8>,
    scale: Vec<f32>,
    labels: Vec<u8>,
    splits: Vec<Split>,
    files: Vec<String>,
}

impl FeatureSet {
    /// Quantises `rows` (one per face of `faces`, in order). Features are
    /// activations after a ReLU, so 0 is their least value; each is divided
    /// by its largest value over the training faces (a feature never lit in
    /// training keeps scale 1) and clipped to 0..1.
    pub fn quantise(
        faces: &FaceSet,
        rows: &[Vec<f32>],
        backbone: &str,
        layer: &str,
    ) -> Result<Self, TransferError> {
        if rows.len() != faces.len() {
            return Err(TransferError::Count {
                rows: rows.len(),
                faces: faces.len(),
            });
        }
        let d = rows.first().map_or(0, Vec::len);
        for (index, row) in rows.iter().enumerate() {
            let reason = if row.len() != d || d == 0 || d > MAX_FEATURES {
                Some(format!("{} features, the first face has {d}", row.len()))
            } else if row.iter().any(|v| !v.is_finite()) {
                Some("a feature is not a finite number".into())
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(TransferError::Row {
                    index,
                    file: faces.files()[index].clone(),
                    reason,
                });
            }
        }
        let mut scale = vec![0f32; d];
        for (row, &split) in rows.iter().zip(faces.splits()) {
            if split == Split::Train {
                for (s, &v) in scale.iter_mut().zip(row) {
                    *s = s.max(v);
                }
            }
        }
        for s in &mut scale {
            if *s <= 0.0 {
                *s = 1.0;
            }
        }
        let mut features = Array2::<u8>::zeros((rows.len(), d));
        for (mut out, row) in features.rows_mut().into_iter().zip(rows) {
            for ((q, &v), &s) in out.iter_mut().zip(row).zip(&scale) {
                *q = ((v / s).clamp(0.0, 1.0) * 255.0).round() as u8;
            }
        }
        Ok(FeatureSet {
            backbone: backbone.into(),
            layer: layer.into(),
            people: faces.people().to_vec(),
            features,
            scale,
            labels: faces.labels().to_vec(),
            splits: faces.splits().to_vec(),
            files: faces.files().to_vec(),
        })
    }

    pub fn backbone(&self) -> &str {
        &self.backbone
    }

    pub fn layer(&self) -> &str {
        &self.layer
    }

    pub fn people(&self) -> &[String] {
        &self.people
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features per face.
    pub fn dim(&self) -> usize {
        self.features.ncols()
    }

    pub fn indices(&self, split: Split) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.splits[i] == split)
            .collect()
    }

    /// The faces of `split` as a [`Dataset`] of `1 x d` "images".
    pub fn dataset(&self, split: Split) -> Dataset {
        let indices = self.indices(split);
        let rows = self.features.select(ndarray::Axis(0), &indices);
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Dataset::from_pixels(rows, labels, (1, self.dim()), self.people.len())
            .expect("labels are below the number of people and rows are d wide")
    }

    /// The three sets for [`crate::faces::training::train_on`].
    pub fn splits(&self) -> Splits {
        Splits {
            train: self.dataset(Split::Train),
            validation: self.dataset(Split::Validation),
            test: self.dataset(Split::Test),
            test_indices: self.indices(Split::Test),
        }
    }

    /// `features.safetensors` (see the module documentation).
    pub fn to_safetensors(&self) -> Vec<u8> {
        let n = self.len();
        let features = self.features.as_standard_layout().iter().copied().collect();
        let writer = TensorWriter::new(FEATURES_FORMAT, FEATURES_VERSION)
            .meta("backbone", &self.backbone)
            .meta("layer", &self.layer)
            .u8_tensor("features", vec![n, self.dim()], features)
            .f32_vector("scale", &self.scale);
        write_rows(
            writer,
            &self.people,
            &self.labels,
            &self.splits,
            &self.files,
        )
        .finish()
    }

    /// Reads `features.safetensors`, checking format, version, shapes and
    /// labels; `file` names it in errors.
    pub fn from_safetensors(file: &str, bytes: &[u8]) -> Result<Self, TransferError> {
        let parsed = TensorFile::parse_versioned(file, bytes, FEATURES_FORMAT, FEATURES_VERSION)?;
        let rows = read_rows(&parsed)?;
        let n = rows.labels.len();
        let (shape, feature_bytes) = parsed.u8_tensor("features", &[Some(n), None])?;
        let d = shape[1];
        if n == 0 || d == 0 || d > MAX_FEATURES {
            return Err(parsed.invalid(format!("{n} faces of {d} features")).into());
        }
        Ok(FeatureSet {
            backbone: parsed.meta("backbone")?.into(),
            layer: parsed.meta("layer")?.into(),
            scale: parsed.f32_vector("scale", d)?,
            features: Array2::from_shape_vec((n, d), feature_bytes.to_vec())
                .expect("shape checked above"),
            people: rows.people,
            labels: rows.labels,
            splits: rows.splits,
            files: rows.files,
        })
    }
}

/// The classifier's settings on features, chosen on the validation set of the
/// default faces (SqueezeNet fire9, 512 features): the faces' network and
/// schedule, with the usual random start (part 9's reason for a small one,
/// pictures of the weights, does not apply to features) and a larger rate,
/// since features are sparser than pixels (most of them near 0 for a face).
pub fn default_config() -> FacesTrainConfig {
    let faces = FacesTrainConfig::default();
    FacesTrainConfig {
        hidden_units: 30,
        activation: Activation::Tanh,
        initial_scale: 1.0,
        train: TrainConfig {
            optimizer: OptimizerKind::Momentum { beta: 0.9 },
            learning_rate: 0.01,
            ..faces.train
        },
    }
}

/// One classifier's results, for `features.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct ClassifierResult {
    pub test_accuracy: f64,
    pub validation_accuracy: f64,
    pub train_accuracy: f64,
    pub test_cost: f64,
    pub curve: Vec<FacesCurvePoint>,
    /// `confusion[true][predicted]` on the test set.
    pub confusion: Vec<Vec<usize>>,
    pub test_predictions: Vec<Prediction>,
    pub config: FacesTrainConfig,
}

impl ClassifierResult {
    pub fn new(report: &FacesTrainReport, config: &FacesTrainConfig) -> Self {
        let last = report.last();
        ClassifierResult {
            test_accuracy: last.test_accuracy,
            validation_accuracy: last.validation_accuracy,
            train_accuracy: last.train_accuracy,
            test_cost: last.test_cost,
            curve: report.curve.clone(),
            confusion: report.confusion.clone(),
            test_predictions: report.test_predictions.clone(),
            config: config.clone(),
        }
    }
}

/// `features.json`: the features' classifier beside the same classifier on
/// the faces' pixels, on the same split.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct TransferSummary {
    pub format: String,
    pub version: u32,
    pub backbone: String,
    pub layer: String,
    pub features: usize,
    pub pixels: usize,
    pub people: Vec<String>,
    pub train_images: usize,
    pub validation_images: usize,
    pub test_images: usize,
    pub test_accuracy: f64,
    pub pixel_test_accuracy: f64,
    pub on_features: ClassifierResult,
    pub on_pixels: ClassifierResult,
}

/// What a person sets for part 10's comparison; both classifiers share the
/// network size, the epochs and the seed, and each keeps its own rate and
/// start (see [`default_config`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct TransferSettings {
    pub hidden_units: usize,
    /// The rate on features; the pixels keep `faces train`'s.
    pub learning_rate: f64,
    pub epochs: usize,
    pub seed: u64,
}

impl Default for TransferSettings {
    fn default() -> Self {
        let defaults = default_config();
        TransferSettings {
            hidden_units: defaults.hidden_units,
            learning_rate: defaults.train.learning_rate,
            epochs: defaults.train.epochs,
            seed: defaults.train.seed,
        }
    }
}

/// Part 10's experiment: the same small classifier trained on `features` and
/// on `faces`' pixels, on the same split, and what each scores. Returns the
/// summary (`features.json`) and the classifier trained on features.
pub fn compare(
    faces: &FaceSet,
    features: &FeatureSet,
    settings: &TransferSettings,
) -> Result<(TransferSummary, FacesTrainReport), TrainError> {
    let shared = |defaults: FacesTrainConfig| FacesTrainConfig {
        hidden_units: settings.hidden_units,
        train: TrainConfig {
            epochs: settings.epochs,
            seed: settings.seed,
            ..defaults.train
        },
        ..defaults
    };
    let mut feature_config = shared(default_config());
    feature_config.train.learning_rate = settings.learning_rate;
    let pixel_config = shared(FacesTrainConfig::default());
    let on_features = train_on(
        &features.splits(),
        features.people().len(),
        &feature_config,
        |_| {},
    )?;
    let on_pixels = train_faces(faces, &pixel_config, |_| {})?;
    let count = |split| faces.indices(split).len();
    let summary = TransferSummary {
        format: FEATURES_FORMAT.into(),
        version: FEATURES_VERSION,
        backbone: features.backbone().into(),
        layer: features.layer().into(),
        features: features.dim(),
        pixels: faces.size() * faces.size(),
        people: faces.people().to_vec(),
        train_images: count(Split::Train),
        validation_images: count(Split::Validation),
        test_images: count(Split::Test),
        test_accuracy: on_features.last().test_accuracy,
        pixel_test_accuracy: on_pixels.last().test_accuracy,
        on_features: ClassifierResult::new(&on_features, &feature_config),
        on_pixels: ClassifierResult::new(&on_pixels, &pixel_config),
    };
    Ok((summary, on_features))
}

/// What `gradlab features --out` writes, read back and checked against
/// each other: the features, the classifier trained on them and
/// `features.json`. The page shows part 10 from one of these, and writes
/// one when it computes features itself (part 10 on the learner's faces).
#[derive(Clone)]
pub struct FeaturesRun {
    pub features: FeatureSet,
    pub classifier: Mlp<f32>,
    pub summary: TransferSummary,
}

impl FeaturesRun {
    /// The classifier as [`CLASSIFIER_FILE`]: a model for inputs of the
    /// features' size.
    pub fn classifier_safetensors(&self) -> Vec<u8> {
        model_to_safetensors(
            &Model::Mlp(self.classifier.clone()),
            (1, self.features.dim()),
        )
    }

    /// The summary as [`RESULTS_FILE`].
    pub fn results_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.summary).expect("a summary of numbers and names serialises")
    }

    /// Reads the three files (each a name for errors and its bytes) and
    /// checks that they come from one run: the page would otherwise compare
    /// one run's numbers with another's.
    pub fn read(
        features: (&str, &[u8]),
        classifier: (&str, &[u8]),
        results: (&str, &[u8]),
    ) -> Result<Self, TransferError> {
        let set = FeatureSet::from_safetensors(features.0, features.1)?;
        let summary: TransferSummary = read_json(
            results.0,
            results.1,
            "the features.json of `gradlab features`",
        )?;
        let network = match model_from_safetensors(classifier.0, classifier.1)? {
            (Model::Mlp(network), _) => network,
            (model, _) => {
                return Err(FileError::Invalid {
                    file: classifier.0.into(),
                    reason: format!(
                        "holds a {} network, not one with a hidden layer",
                        model.kind()
                    ),
                }
                .into())
            }
        };
        let mismatch = |what: &str, a: String, b: String| TransferError::Mismatch {
            first: features.0.into(),
            second: results.0.into(),
            what: what.into(),
            found: a,
            expected: b,
        };
        if set.dim() != summary.features {
            return Err(mismatch(
                "the number of features",
                set.dim().to_string(),
                summary.features.to_string(),
            ));
        }
        if set.backbone() != summary.backbone || set.layer() != summary.layer {
            return Err(mismatch(
                "the network",
                format!("{} {}", set.backbone(), set.layer()),
                format!("{} {}", summary.backbone, summary.layer),
            ));
        }
        if set.people() != summary.people.as_slice() {
            return Err(mismatch(
                "the people",
                set.people().join(", "),
                summary.people.join(", "),
            ));
        }
        let faces = summary.train_images + summary.validation_images + summary.test_images;
        if set.len() != faces {
            return Err(mismatch(
                "the number of faces",
                set.len().to_string(),
                faces.to_string(),
            ));
        }
        let sizes = network.sizes();
        let expected = [
            set.dim(),
            summary.on_features.config.hidden_units,
            set.people().len(),
        ];
        if sizes != expected {
            return Err(TransferError::Mismatch {
                first: classifier.0.into(),
                second: results.0.into(),
                what: "the classifier's layers (inputs, hidden units, people)".into(),
                found: format!("{sizes:?}"),
                expected: format!("{expected:?}"),
            });
        }
        Ok(FeaturesRun {
            features: set,
            classifier: network,
            summary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::{PrepareConfig, SourceImage};
    use image::GrayImage;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn faces() -> FaceSet {
        let images: Vec<SourceImage> = (0..2u8)
            .flat_map(|person| {
                (0..5u8).map(move |i| SourceImage {
                    person: format!("p{person}"),
                    file: format!("p{person}/{i}.png"),
                    image: GrayImage::from_pixel(4, 4, image::Luma([person * 100 + i])),
                })
            })
            .collect();
        let people = vec!["p0".to_string(), "p1".to_string()];
        let config = PrepareConfig {
            size: 4,
            ..PrepareConfig::default()
        };
        FaceSet::prepare(&images, &people, &config).unwrap()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn quantising_scales_by_the_training_maximum() {
        let faces = faces();
        let rows: Vec<Vec<f32>> = (0..faces.len())
            .map(|i| vec![i as f32, 0.0, 1000.0])
            .collect();
        let set = FeatureSet::quantise(&faces, &rows, "net", "layer").unwrap();
        let train_max = faces
            .indices(Split::Train)
            .into_iter()
            .map(|i| i as f32)
            .fold(0.0, f32::max);
        assert_eq!(set.scale, vec![train_max, 1.0, 1000.0]);
        for (i, row) in set.features.rows().into_iter().enumerate() {
            let expected = ((i as f32 / train_max).min(1.0) * 255.0).round() as u8;
            assert_eq!(row.to_vec(), vec![expected, 0, 255]);
        }
        let back = FeatureSet::from_safetensors("f", &set.to_safetensors()).unwrap();
        assert_eq!(back, set);
        assert_eq!(back.dataset(Split::Train).n_pixels(), 3);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn bad_rows_and_files_are_named() {
        let faces = faces();
        let mut rows = vec![vec![1.0f32, 2.0]; faces.len()];
        rows[3] = vec![f32::NAN, 2.0];
        let error = FeatureSet::quantise(&faces, &rows, "net", "layer").unwrap_err();
        assert!(
            matches!(error, TransferError::Row { index: 3, .. }),
            "{error}"
        );
        let error = FeatureSet::quantise(&faces, &rows[1..], "net", "layer").unwrap_err();
        assert!(matches!(error, TransferError::Count { .. }));
        rows[3] = vec![1.0, 2.0];
        let bytes = FeatureSet::quantise(&faces, &rows, "net", "layer")
            .unwrap()
            .to_safetensors();
        for end in [0, 8, bytes.len() / 2, bytes.len() - 1] {
            let error = FeatureSet::from_safetensors("cut.safetensors", &bytes[..end]).unwrap_err();
            assert!(error.to_string().starts_with("cut.safetensors "), "{error}");
        }
    }
}
