//! Part 8: the one-hidden-layer network trained to tell the people of a
//! [`FaceSet`] apart.
//!
//! ```text
//! X: (1 + size^2) x m, one face per column, pixels scaled to 0..1, row 0 ones
//! H = [1; tanh(W1^T X)]      W1: (1 + size^2) x hidden
//! P = softmax(W2^T H)        W2: (1 + hidden) x people
//! C = -sum(Y * log P)
//! ```
//!
//! Training is the same as for digits ([`crate::train::Trainer`]: shuffled
//! mini-batches, the mean gradient of a batch, momentum), on the training
//! set only, from a smaller random start for `W1` (see
//! [`FacesTrainConfig::default`]); the learning curves follow all three
//! sets, and the validation set is there to choose settings by, so that the
//! test figure stays honest.

use ndarray::Axis;
use serde::{Deserialize, Serialize};

use super::{hidden, FaceSet, Split, FACES_VERSION};
use crate::mnist::Dataset;
use crate::network::{predicted_classes, Activation, Mlp, Network};
use crate::optim::OptimizerKind;
use crate::train::{
    evaluate, train, CurveData, Evaluation, Progress, TrainConfig, TrainError, TrainReport, Trainer,
};

/// The `format` of `training.json`.
pub const TRAINING_FORMAT: &str = "gradlab-faces-training";

/// How to train on faces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct FacesTrainConfig {
    pub hidden_units: usize,
    pub activation: Activation,
    /// The input weights `W1` start at this fraction of their usual random
    /// scale (see [`Mlp::new`]).
    pub initial_scale: f32,
    /// Optimiser, learning rate, batch size, epochs, seed, curve points per
    /// epoch (the evaluation-size fields are not used: every set is small).
    pub train: TrainConfig,
}

impl Default for FacesTrainConfig {
    /// Settings chosen on the validation sets of the default six ORL people
    /// at 32x32 (36 training faces; 3 splits x 6 seeds: 98.6% on validation
    /// on average, every run at 11/12 or better): 30 tanh units; batches of
    /// 12, so an epoch is three steps; learning rate 0.005 with momentum 0.9
    /// for 200 epochs (600 steps).
    ///
    /// The rate is ten times lower than for digits because every face pixel
    /// is lit: a step on `W1` moves a unit's input on the same image by
    /// `lr * |x|^2` times its delta, and `|x|^2` averages 284 over these
    /// faces against 87 over MNIST digits (mostly background, 0); at 0.05,
    /// one seed in ten saturated its tanh units and stalled at 44% on the
    /// training set.
    ///
    /// `W1` starts at 1% of its usual random scale. At the usual scale the
    /// random start dominates what 36 faces can teach, and part 9's images
    /// are noise; from a small start they are faces (eyes, mouth, the
    /// outline of the hair), at the same validation accuracy.
    fn default() -> Self {
        FacesTrainConfig {
            hidden_units: 30,
            activation: Activation::Tanh,
            initial_scale: 0.01,
            train: TrainConfig {
                optimizer: OptimizerKind::Momentum { beta: 0.9 },
                learning_rate: 0.005,
                batch_size: Some(12),
                epochs: 200,
                seed: 0,
                evaluations_per_epoch: 1,
                ..TrainConfig::default()
            },
        }
    }
}

/// The settings a person chooses for a faces run (part 8's form in the
/// page, `gradlab features`' flags for part 10's classifier); everything
/// else is the defaults'. A momentum of 0 is plain gradient descent.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct FacesSettings {
    pub hidden_units: usize,
    pub learning_rate: f64,
    pub momentum: f64,
    pub epochs: usize,
    pub seed: u64,
}

/// A setting outside what a run can do in reasonable time.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{setting} must be between {min} and {max}, not {value}")]
pub struct SettingError {
    pub setting: &'static str,
    pub value: f64,
    pub min: f64,
    pub max: f64,
}

impl FacesSettings {
    /// The limits the page holds a person to: beyond them a run takes more
    /// than a few seconds on these small sets, or cannot learn.
    pub const LIMITS: [(&'static str, f64, f64); 4] = [
        ("hidden units", 1.0, 200.0),
        ("epochs", 1.0, 2000.0),
        ("learning rate", 1e-6, 1.0),
        ("momentum", 0.0, 0.999),
    ];

    /// The first setting outside [`FacesSettings::LIMITS`], if any.
    pub fn check(&self) -> Result<(), SettingError> {
        let values = [
            self.hidden_units as f64,
            self.epochs as f64,
            self.learning_rate,
            self.momentum,
        ];
        for ((setting, min, max), value) in Self::LIMITS.into_iter().zip(values) {
            if !(value >= min && value <= max) {
                return Err(SettingError {
                    setting,
                    value,
                    min,
                    max,
                });
            }
        }
        Ok(())
    }
}

impl FacesTrainConfig {
    /// These settings over `self`.
    pub fn with_settings(self, settings: &FacesSettings) -> Self {
        FacesTrainConfig {
            hidden_units: settings.hidden_units,
            train: TrainConfig {
                optimizer: if settings.momentum == 0.0 {
                    OptimizerKind::Gd
                } else {
                    OptimizerKind::Momentum {
                        beta: settings.momentum,
                    }
                },
                learning_rate: settings.learning_rate,
                epochs: settings.epochs,
                seed: settings.seed,
                ..self.train
            },
            ..self
        }
    }
}

/// One point of the learning curves, on all three sets.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct FacesCurvePoint {
    pub iteration: usize,
    pub epoch: f64,
    pub train_cost: f64,
    pub train_accuracy: f64,
    pub validation_cost: f64,
    pub validation_accuracy: f64,
    pub test_cost: f64,
    pub test_accuracy: f64,
}

/// The class the network gives one test face.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Prediction {
    /// The face's index in the [`FaceSet`] (and in `faces.safetensors`).
    pub index: usize,
    pub label: usize,
    pub predicted: usize,
    /// The probability the network gives its prediction.
    pub probability: f32,
}

/// The trained network and how it got there.
#[derive(Clone, Debug)]
pub struct FacesTrainReport {
    pub network: Mlp<f32>,
    pub curve: Vec<FacesCurvePoint>,
    /// `confusion[true][predicted]` on the test set.
    pub confusion: Vec<Vec<usize>>,
    pub test_predictions: Vec<Prediction>,
}

impl FacesTrainReport {
    /// The trained network's figures: the last curve point.
    pub fn last(&self) -> &FacesCurvePoint {
        self.curve.last().expect("a curve has its starting point")
    }
}

/// Trains a fresh one-hidden-layer network on `faces`' training set and
/// measures it on all three sets, calling `on_progress` after every step.
/// The same seed gives the same network, bit for bit.
pub fn train_faces(
    faces: &FaceSet,
    config: &FacesTrainConfig,
    on_progress: impl FnMut(Progress<'_, FacesCurvePoint>),
) -> Result<FacesTrainReport, TrainError> {
    train_on(
        &Splits::of_faces(faces),
        faces.people().len(),
        config,
        on_progress,
    )
}

/// The three sets one classifier is trained and measured on, and where the
/// test items sit in the whole set (for [`Prediction::index`]).
pub struct Splits {
    pub train: Dataset,
    pub validation: Dataset,
    pub test: Dataset,
    pub test_indices: Vec<usize>,
}

impl Splits {
    /// The faces' own three sets, of pixels.
    pub fn of_faces(faces: &FaceSet) -> Self {
        Splits {
            train: faces.dataset(Split::Train),
            validation: faces.dataset(Split::Validation),
            test: faces.dataset(Split::Test),
            test_indices: faces.indices(Split::Test),
        }
    }
}

/// Faces (or features): trained on the training set, every point measured
/// on all three sets (they are small).
impl CurveData for Splits {
    type Point = FacesCurvePoint;

    fn training_set(&self) -> &Dataset {
        &self.train
    }

    fn point<N: Network<f32>>(
        &self,
        network: &N,
        iteration: usize,
        epoch: f64,
        _config: &TrainConfig,
    ) -> FacesCurvePoint {
        let (on_train, on_validation, on_test) = (
            evaluate(network, &self.train, None),
            evaluate(network, &self.validation, None),
            evaluate(network, &self.test, None),
        );
        FacesCurvePoint {
            iteration,
            epoch,
            train_cost: on_train.cost,
            train_accuracy: on_train.accuracy,
            validation_cost: on_validation.cost,
            validation_accuracy: on_validation.accuracy,
            test_cost: on_test.cost,
            test_accuracy: on_test.accuracy,
        }
    }

    fn final_test<N: Network<f32>>(&self, network: &N) -> Evaluation {
        evaluate(network, &self.test, None)
    }
}

/// [`train_faces`] on any labelled 8-bit inputs: faces' pixels, or part 10's
/// quantised CNN features ([`crate::transfer`]). A [`crate::train::Run`]
/// like every other, from a network whose input weights start at
/// `config.initial_scale` of their usual scale; then the test set's
/// predictions and confusion matrix.
pub fn train_on(
    sets: &Splits,
    n_classes: usize,
    config: &FacesTrainConfig,
    on_progress: impl FnMut(Progress<'_, FacesCurvePoint>),
) -> Result<FacesTrainReport, TrainError> {
    crate::network::size::check_sizes(&[sets.train.n_pixels(), config.hidden_units, n_classes])
        .map_err(TrainError::Size)?;
    let mut network = Mlp::new(
        &[sets.train.n_pixels(), config.hidden_units, n_classes],
        config.activation,
        &mut Trainer::<Mlp<f32>>::rng_for(config.train.seed),
    );
    network.weights_mut()[0].mapv_inplace(|w| w * config.initial_scale);
    let TrainReport { network, curve } = train(network, sets, &config.train, on_progress)?;
    let test_predictions = predict(&network, &sets.test, &sets.test_indices);
    let confusion = confusion_matrix(&test_predictions, n_classes);
    Ok(FacesTrainReport {
        network,
        curve,
        confusion,
        test_predictions,
    })
}

/// The network's class for each image of `data`; `indices` are their
/// indices in the face set, to report.
pub fn predict<N: Network<f32>>(network: &N, data: &Dataset, indices: &[usize]) -> Vec<Prediction> {
    let all: Vec<usize> = (0..data.len()).collect();
    let probabilities = network.probabilities(data.inputs::<f32>(&all).view());
    let predicted = predicted_classes(probabilities.view());
    probabilities
        .axis_iter(Axis(1))
        .zip(predicted)
        .enumerate()
        .map(|(j, (column, predicted))| Prediction {
            index: indices.get(j).copied().unwrap_or(j),
            label: data.labels()[j] as usize,
            predicted,
            probability: column[predicted],
        })
        .collect()
}

/// `confusion[true][predicted]`: how often each person was taken for each.
pub fn confusion_matrix(predictions: &[Prediction], n_people: usize) -> Vec<Vec<usize>> {
    let mut confusion = vec![vec![0; n_people]; n_people];
    for p in predictions {
        if p.label < n_people && p.predicted < n_people {
            confusion[p.label][p.predicted] += 1;
        }
    }
    confusion
}

/// A network measured on a test set: its predictions, their confusion
/// matrix, and how many it named rightly. What `gradlab faces eval` prints
/// for prepared faces and for a features run, and the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct TestScore {
    pub predictions: Vec<Prediction>,
    /// `confusion[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
    pub right: usize,
}

impl TestScore {
    /// `network` on `data` (face-set indices `indices`) of `n_people` people.
    pub fn of<N: Network<f32>>(
        network: &N,
        data: &Dataset,
        indices: &[usize],
        n_people: usize,
    ) -> Self {
        let predictions = predict(network, data, indices);
        let confusion = confusion_matrix(&predictions, n_people);
        let right = predictions
            .iter()
            .filter(|p| p.label == p.predicted)
            .count();
        TestScore {
            predictions,
            confusion,
            right,
        }
    }

    /// The fraction named rightly (0 for an empty test set).
    pub fn accuracy(&self) -> f64 {
        self.right as f64 / self.predictions.len().max(1) as f64
    }
}

/// The units most favouring one person, for `training.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct PersonUnits {
    pub person: String,
    pub units: Vec<hidden::UnitScore>,
}

/// `training.json` (see [`super`]'s documentation for the layout).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct TrainingSummary {
    pub format: String,
    pub version: u32,
    pub people: Vec<String>,
    pub size: usize,
    pub hidden_units: usize,
    pub activation: Activation,
    pub initial_scale: f32,
    pub config: TrainConfig,
    pub train_images: usize,
    pub validation_images: usize,
    pub test_images: usize,
    pub test_accuracy: f64,
    pub validation_accuracy: f64,
    pub train_accuracy: f64,
    pub test_cost: f64,
    pub curve: Vec<FacesCurvePoint>,
    pub confusion: Vec<Vec<usize>>,
    pub test_predictions: Vec<Prediction>,
    /// For every person, the [`hidden::UNITS_SHOWN`] units whose output
    /// weights favour them most.
    pub favoured_units: Vec<PersonUnits>,
}

impl TrainingSummary {
    pub fn new(faces: &FaceSet, config: &FacesTrainConfig, report: &FacesTrainReport) -> Self {
        let last = report.last();
        let count = |split| faces.indices(split).len();
        let favoured_units = faces
            .people()
            .iter()
            .enumerate()
            .map(|(person, name)| PersonUnits {
                person: name.clone(),
                units: hidden::favoured_units(&report.network, person, hidden::UNITS_SHOWN)
                    .unwrap_or_default(),
            })
            .collect();
        TrainingSummary {
            format: TRAINING_FORMAT.into(),
            version: FACES_VERSION,
            people: faces.people().to_vec(),
            size: faces.size(),
            hidden_units: config.hidden_units,
            activation: config.activation,
            initial_scale: config.initial_scale,
            config: config.train.clone(),
            train_images: count(Split::Train),
            validation_images: count(Split::Validation),
            test_images: count(Split::Test),
            test_accuracy: last.test_accuracy,
            validation_accuracy: last.validation_accuracy,
            train_accuracy: last.train_accuracy,
            test_cost: last.test_cost,
            curve: report.curve.clone(),
            confusion: report.confusion.clone(),
            test_predictions: report.test_predictions.clone(),
            favoured_units,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::{PrepareConfig, SourceImage};
    use image::GrayImage;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Three "people" whose faces are a bright band at a different height,
    /// with a little per-image noise: an easy, exactly reproducible task.
    fn striped_faces() -> FaceSet {
        let mut images = Vec::new();
        for person in 0..3u32 {
            for i in 0..10u32 {
                let image = GrayImage::from_fn(8, 8, |x, y| {
                    let band = if y / 3 == person { 200 } else { 40 };
                    image::Luma([band + ((x * 7 + y * 3 + i * 5) % 11) as u8])
                });
                images.push(SourceImage {
                    person: format!("p{person}"),
                    file: format!("p{person}/{i}.png"),
                    image,
                });
            }
        }
        let people: Vec<String> = (0..3).map(|p| format!("p{p}")).collect();
        let config = PrepareConfig {
            size: 8,
            ..PrepareConfig::default()
        };
        FaceSet::prepare(&images, &people, &config).unwrap()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn an_easy_set_is_learned_and_reported_consistently() {
        let faces = striped_faces();
        let defaults = FacesTrainConfig::default();
        let config = FacesTrainConfig {
            hidden_units: 5,
            train: TrainConfig {
                epochs: 50,
                learning_rate: 0.05,
                ..defaults.train
            },
            ..defaults
        };
        let mut steps = 0;
        let report = train_faces(&faces, &config, |_| steps += 1).unwrap();
        assert_eq!(
            steps,
            50 * 2,
            "18 training faces in batches of 12: 2 steps an epoch"
        );
        assert_eq!(report.curve.len(), 1 + 50);
        let last = report.last();
        assert_eq!(last.train_accuracy, 1.0);
        assert_eq!(last.test_accuracy, 1.0);
        assert_eq!(report.test_predictions.len(), 6);
        let diagonal: usize = (0..3).map(|p| report.confusion[p][p]).sum();
        assert_eq!(diagonal, 6);
        let again = train_faces(&faces, &config, |_| {}).unwrap();
        assert_eq!(again.network, report.network, "same seed, same weights");
        let summary = TrainingSummary::new(&faces, &config, &report);
        assert_eq!(summary.favoured_units.len(), 3);
        assert_eq!(summary.test_images, 6);
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["test_accuracy"], 1.0);
    }
}
