//! Parts 4 and 5: training a network on labelled images with mini-batches,
//! recording the learning curves as it goes.
//!
//! Each step takes the next `batch_size` images of a shuffled order, computes
//! the cost and gradient by backpropagation, divides the gradient by the batch
//! size (so the learning rate means the same for any batch size) and hands it
//! to the [`Optimizer`]. Everything random (initial weights, shuffling) comes
//! from one seeded generator: the same seed gives the same numbers, bit for
//! bit, on every machine.
//!
//! [`Trainer`] takes one step at a time, for the page's worker, which pauses
//! and resumes; [`train`] runs a whole schedule, for the command line.

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::mnist::Dataset;
use crate::network::{predicted_classes, Network, Scratch};
use crate::optim::{Optimizer, OptimizerKind};

/// Images per forward pass when evaluating a whole split: bounds memory.
const EVALUATION_CHUNK: usize = 1000;

/// Training has diverged when a batch's mean cost exceeds this multiple of the
/// first batch's. Learning never passes through such a cost (a noisy step may
/// double it), while an oversized step does within a few iterations, long
/// before the numbers overflow to inf or NaN (which also counts), and often
/// without ever overflowing: a softmax cost grows only linearly in the weights.
pub const DIVERGENCE_FACTOR: f64 = 1000.0;

/// How to train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    pub optimizer: OptimizerKind,
    /// The step size applied to the mean gradient over a batch.
    pub learning_rate: f64,
    /// Images per step; `None` for full-batch gradient descent.
    pub batch_size: Option<usize>,
    /// Passes over the training set.
    pub epochs: usize,
    /// Seeds the initial weights and the shuffling.
    pub seed: u64,
    /// Learning-curve points per epoch.
    pub evaluations_per_epoch: usize,
    /// Training accuracy and cost are measured on this many training images
    /// (the first ones), so that a curve point costs about what the test
    /// evaluation costs.
    pub train_evaluation_size: usize,
    /// Test images a curve point is measured on (the first ones); `None` for
    /// all of them. The page measures on fewer while training runs, to keep
    /// the curve moving, and on all of them at the end.
    pub test_evaluation_size: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            optimizer: OptimizerKind::Momentum { beta: 0.9 },
            learning_rate: 0.05,
            batch_size: Some(100),
            epochs: 10,
            seed: 0,
            evaluations_per_epoch: 4,
            train_evaluation_size: 10_000,
            test_evaluation_size: None,
        }
    }
}

/// Why training could not start or could not go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error("learning rate {0} must be a positive, finite number")]
    LearningRate(f64),
    #[error("momentum beta {0} must be in [0, 1): at 1 or above the velocity never decays")]
    Momentum(f64),
    #[error("batch size must be at least 1")]
    BatchSize,
    #[error("epochs must be at least 1")]
    Epochs,
    #[error("the training set is empty")]
    EmptyTrainingSet,
    #[error("the network takes images of {expected} pixels but the data has {found}")]
    InputSize { expected: usize, found: usize },
    #[error("this trainer was made for {expected} training images but was given {found}; start a new one for other data")]
    TrainingSetSize { expected: usize, found: usize },
    /// The cost became non-finite or [`DIVERGENCE_FACTOR`] times its start.
    #[error("the cost became {cost} at iteration {iteration} with learning rate {learning_rate}: training diverged; lower the learning rate (try {suggestion}) and start again")]
    Diverged {
        iteration: usize,
        cost: f64,
        learning_rate: f64,
        suggestion: f64,
    },
}

impl TrainConfig {
    /// Checks every setting; training with a bad one would fail late or
    /// silently.
    pub fn validate(&self) -> Result<(), TrainError> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(TrainError::LearningRate(self.learning_rate));
        }
        if let OptimizerKind::Momentum { beta } = self.optimizer {
            if !(0.0..1.0).contains(&beta) {
                return Err(TrainError::Momentum(beta));
            }
        }
        if self.batch_size == Some(0) {
            return Err(TrainError::BatchSize);
        }
        if self.epochs == 0 {
            return Err(TrainError::Epochs);
        }
        Ok(())
    }
}

/// Cost and accuracy of a network on a set of images.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Mean cost per image.
    pub cost: f64,
    /// Fraction classified correctly, 0..1.
    pub accuracy: f64,
}

/// Evaluates `network` on the first `limit` images of `data` (all if `None`).
pub fn evaluate<N: Network<f32> + ?Sized>(
    network: &N,
    data: &Dataset,
    limit: Option<usize>,
) -> Evaluation {
    let n = limit.map_or(data.len(), |l| l.min(data.len()));
    if n == 0 {
        return Evaluation {
            cost: f64::NAN,
            accuracy: f64::NAN,
        };
    }
    let (mut cost, mut correct) = (0.0_f64, 0usize);
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(EVALUATION_CHUNK) {
        let x = data.inputs::<f32>(chunk);
        let y = data.one_hot::<f32>(chunk);
        let logits = network.logits(x.view());
        cost += f64::from(crate::network::softmax::negative_log_likelihood(
            logits.view(),
            y.view(),
        ));
        correct += predicted_classes(logits.view())
            .iter()
            .zip(chunk)
            .filter(|&(&predicted, &i)| predicted == data.labels()[i] as usize)
            .count();
    }
    Evaluation {
        cost: cost / n as f64,
        accuracy: correct as f64 / n as f64,
    }
}

/// One point of the learning curves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Optimisation steps taken.
    pub iteration: usize,
    /// Passes over the training set, fractional.
    pub epoch: f64,
    pub train_cost: f64,
    pub train_accuracy: f64,
    pub test_cost: f64,
    pub test_accuracy: f64,
}

/// A network being trained one step at a time.
#[derive(Clone, Debug)]
pub struct Trainer<N> {
    network: N,
    optimizer: Optimizer<f32>,
    config: TrainConfig,
    rng: ChaCha8Rng,
    order: Vec<usize>,
    cursor: usize,
    iteration: usize,
    /// The first batch's mean cost, the yardstick for divergence.
    first_cost: Option<f64>,
    /// The batch, its one-hot labels, the passes' matrices and the gradient,
    /// kept between steps: a step allocates nothing after the first.
    batch: Batch,
}

#[derive(Clone, Debug, Default)]
struct Batch {
    x: Array2<f32>,
    y: Array2<f32>,
    scratch: Scratch<f32>,
    gradient: Vec<Array2<f32>>,
}

impl<N: Network<f32>> Trainer<N> {
    /// A trainer for `network` on a training set of `n_train` images. Use the
    /// same seed for the network's initial weights ([`Trainer::rng_for`]) and
    /// here to make a run reproducible.
    pub fn new(network: N, config: TrainConfig, n_train: usize) -> Result<Self, TrainError> {
        config.validate()?;
        if n_train == 0 {
            return Err(TrainError::EmptyTrainingSet);
        }
        // The stream after the weights' draw: a different stream of the same
        // seed, so that changing the network's size does not change the order.
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        rng.set_stream(1);
        let order: Vec<usize> = (0..n_train).collect();
        let optimizer = Optimizer::new(config.optimizer, config.learning_rate as f32);
        let mut trainer = Trainer {
            network,
            optimizer,
            config,
            rng,
            order,
            cursor: 0,
            iteration: 0,
            first_cost: None,
            batch: Batch::default(),
        };
        trainer.shuffle();
        Ok(trainer)
    }

    /// The generator to draw a network's initial weights from for `seed`.
    pub fn rng_for(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn shuffle(&mut self) {
        if self.config.batch_size.is_some_and(|b| b < self.order.len()) {
            self.order.shuffle(&mut self.rng);
        }
    }

    /// Images per step.
    pub fn batch_size(&self) -> usize {
        self.config
            .batch_size
            .unwrap_or(self.order.len())
            .min(self.order.len())
    }

    /// Steps in one pass over the training set.
    pub fn steps_per_epoch(&self) -> usize {
        self.order.len().div_ceil(self.batch_size())
    }

    /// Steps taken so far.
    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// Passes over the training set so far, fractional.
    pub fn epoch(&self) -> f64 {
        self.iteration as f64 / self.steps_per_epoch() as f64
    }

    pub fn network(&self) -> &N {
        &self.network
    }

    pub fn into_network(self) -> N {
        self.network
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Takes one optimisation step on the next batch of `train` and returns
    /// the batch's mean cost before the step.
    pub fn step(&mut self, train: &Dataset) -> Result<f64, TrainError> {
        let expected = self.network.weights()[0].nrows() - 1;
        if train.n_pixels() != expected {
            return Err(TrainError::InputSize {
                expected,
                found: train.n_pixels(),
            });
        }
        if train.len() != self.order.len() {
            return Err(TrainError::TrainingSetSize {
                expected: self.order.len(),
                found: train.len(),
            });
        }
        if self.cursor >= self.order.len() {
            self.cursor = 0;
            self.shuffle();
        }
        let end = (self.cursor + self.batch_size()).min(self.order.len());
        let batch = &self.order[self.cursor..end];
        self.cursor = end;
        let Batch {
            x,
            y,
            scratch,
            gradient,
        } = &mut self.batch;
        train.inputs_into(batch, x);
        train.one_hot_into(batch, y);
        if gradient.len() != self.network.weights().len() {
            *gradient = self
                .network
                .weights()
                .iter()
                .map(|w| Array2::zeros(w.raw_dim()))
                .collect();
        }
        // The mean gradient over the batch: the 1/m is applied inside the
        // products, not in a pass of its own.
        let m = batch.len() as f32;
        let cost =
            self.network
                .cost_and_gradient_into(x.view(), y.view(), 1.0 / m, scratch, gradient);
        let mean_cost = f64::from(cost / m);
        let first_cost = *self.first_cost.get_or_insert(mean_cost);
        if !mean_cost.is_finite() || mean_cost > DIVERGENCE_FACTOR * first_cost.max(1.0) {
            let learning_rate = self.config.learning_rate;
            return Err(TrainError::Diverged {
                iteration: self.iteration,
                cost: mean_cost,
                learning_rate,
                suggestion: learning_rate / 10.0,
            });
        }
        self.optimizer.step(self.network.weights_mut(), gradient);
        self.iteration += 1;
        Ok(mean_cost)
    }

    /// Measures the network on the training sample and the test set.
    pub fn curve_point(&self, train: &Dataset, test: &Dataset) -> CurvePoint {
        let on_train = evaluate(
            &self.network,
            train,
            Some(self.config.train_evaluation_size),
        );
        let on_test = evaluate(&self.network, test, self.config.test_evaluation_size);
        CurvePoint {
            iteration: self.iteration,
            epoch: self.epoch(),
            train_cost: on_train.cost,
            train_accuracy: on_train.accuracy,
            test_cost: on_test.cost,
            test_accuracy: on_test.accuracy,
        }
    }
}

/// What [`train`] reports after each step.
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    pub iteration: usize,
    pub total_iterations: usize,
    /// The batch's mean cost before the step.
    pub batch_cost: f64,
    /// A new learning-curve point, when one was measured at this step.
    pub point: Option<&'a CurvePoint>,
}

/// The trained network and how it got there.
#[derive(Clone, Debug)]
pub struct TrainReport<N> {
    pub network: N,
    /// Learning curves, from before the first step to after the last.
    pub curve: Vec<CurvePoint>,
}

impl<N> TrainReport<N> {
    /// The last curve point: the trained network's figures.
    pub fn last(&self) -> &CurvePoint {
        self.curve.last().expect("a curve has its starting point")
    }
}

/// Trains `network` on `train` for `config.epochs` epochs, measuring it on
/// `test` along the way, and calls `on_progress` after every step.
pub fn train<N: Network<f32>>(
    network: N,
    train: &Dataset,
    test: &Dataset,
    config: &TrainConfig,
    mut on_progress: impl FnMut(Progress<'_>),
) -> Result<TrainReport<N>, TrainError> {
    let mut trainer = Trainer::new(network, config.clone(), train.len())?;
    let total_iterations = trainer.steps_per_epoch() * config.epochs;
    let evaluate_every = (trainer.steps_per_epoch() / config.evaluations_per_epoch.max(1)).max(1);
    let mut curve = vec![trainer.curve_point(train, test)];
    for iteration in 1..=total_iterations {
        let batch_cost = trainer.step(train)?;
        let point = if iteration % evaluate_every == 0 || iteration == total_iterations {
            curve.push(trainer.curve_point(train, test));
            curve.last()
        } else {
            None
        };
        on_progress(Progress {
            iteration,
            total_iterations,
            batch_cost,
            point,
        });
    }
    Ok(TrainReport {
        network: trainer.into_network(),
        curve,
    })
}
