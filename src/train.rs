//! Parts 4 and 5: training a network on labelled images with mini-batches,
//! recording the learning curves as it goes. Every training run of gradlab
//! (the command line's, the page's draw-a-digit and lesson runs, part 8's
//! faces and part 10's classifiers) is a [`Run`] of this module.
//!
//! Each step takes the next `batch_size` images of a shuffled order, computes
//! the cost and gradient by backpropagation, divides the gradient by the batch
//! size (so the learning rate means the same for any batch size) and hands it
//! to the [`Optimizer`]. Everything random (initial weights, shuffling) comes
//! from one seeded generator: the same seed gives the same numbers, bit for
//! bit, on every machine.
//!
//! A run's [`Schedule`] says how many steps it takes and after which of them
//! a learning-curve point is measured:
//!
//! ```text
//! steps per epoch  S = ceil(n_train / batch_size)
//! total steps      T = S * epochs
//! point spacing    e = max(1, floor(S / evaluations_per_epoch), ceil(T / max_curve_points))
//! points after     0 (the start), then each step i with i = previous + gap, and T:
//!                  gap = e                          (Cadence::Even)
//!                  gap = min(e, max(1, floor(p/4))) (Cadence::DenseStart, p = previous)
//! ```
//!
//! The dense start puts points close together where the curves fall
//! fastest (after steps 1, 2, 3, ... 8, 10, 12, 15, 18, ...), then settles
//! at every `e` steps. A [`Run`] takes its steps in whatever pieces its
//! caller likes ([`Run::advance`] with a step count and a clock: the
//! command line all at once, the page in chunks of ~30 ms so that its
//! worker keeps answering): the steps, the points and the weights are the
//! same however the run is cut.

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::mnist::{Dataset, Mnist, INPUT_CHUNK};
use crate::network::{predicted_classes, ModelSpec, Network, Scratch};
use crate::optim::{Optimizer, OptimizerKind};

/// Training has diverged when a batch's mean cost exceeds this multiple of the
/// first batch's. Learning never passes through such a cost (a noisy step may
/// double it), while an oversized step does within a few iterations, long
/// before the numbers overflow to inf or NaN (which also counts), and often
/// without ever overflowing: a softmax cost grows only linearly in the weights.
pub const DIVERGENCE_FACTOR: f64 = 1000.0;

/// How to train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
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
    /// Learning-curve points per epoch (see [`Schedule`]).
    pub evaluations_per_epoch: usize,
    /// At most about this many points in a whole run (`None`: no limit):
    /// long runs space their points further apart.
    #[serde(default)]
    pub max_curve_points: Option<usize>,
    /// Where the points fall: evenly, or densely at first.
    #[serde(default)]
    pub cadence: Cadence,
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
            max_curve_points: None,
            cadence: Cadence::Even,
            train_evaluation_size: 10_000,
            test_evaluation_size: None,
        }
    }
}

/// How a run's learning-curve points are spaced (see the module
/// documentation for the formulas).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub enum Cadence {
    /// Every `e` steps, and after the last.
    #[default]
    Even,
    /// Close together at first, a quarter of the way further on each time,
    /// until they are `e` apart.
    DenseStart,
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
    #[error("a learning curve needs at least one point per epoch and in all")]
    CurvePoints,
    /// The network asked for would not fit in memory.
    #[error(transparent)]
    Size(#[from] crate::network::size::SizeError),
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
        if self.evaluations_per_epoch == 0 || self.max_curve_points == Some(0) {
            return Err(TrainError::CurvePoints);
        }
        Ok(())
    }
}

/// Cost and accuracy of a network on a set of images.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
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
    for chunk in indices.chunks(INPUT_CHUNK) {
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

/// The class `network` gives each of the first `n` images of `data`.
pub fn first_predictions<N: Network<f32> + ?Sized>(
    network: &N,
    data: &Dataset,
    n: usize,
) -> Vec<usize> {
    let indices: Vec<usize> = (0..n.min(data.len())).collect();
    predicted_classes(network.logits(data.inputs::<f32>(&indices).view()).view())
}

/// One point of the learning curves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
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
        // The next step's images, or none at the end of an epoch (the order
        // is shuffled again first).
        let next = &self.order[end..(end + self.batch_size()).min(self.order.len())];
        let Batch {
            x,
            y,
            scratch,
            gradient,
        } = &mut self.batch;
        train.inputs_into(batch, x);
        train.one_hot_into(batch, y);
        // Their rows come into the cache while this step computes.
        train.prefetch(next);
        if gradient.len() != self.network.weights().len() {
            *gradient = self
                .network
                .weights()
                .iter()
                .map(|w| w.mapv(|_| 0.0))
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
}

/// How many steps a run takes and after which of them it measures a
/// learning-curve point (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    steps_per_epoch: usize,
    epochs: usize,
    evaluate_every: usize,
    cadence: Cadence,
}

impl Schedule {
    /// The schedule of `config` on a training set of `n_train` images.
    pub fn new(n_train: usize, config: &TrainConfig) -> Result<Self, TrainError> {
        config.validate()?;
        if n_train == 0 {
            return Err(TrainError::EmptyTrainingSet);
        }
        let batch_size = config.batch_size.unwrap_or(n_train).min(n_train);
        let steps_per_epoch = n_train.div_ceil(batch_size);
        let total = steps_per_epoch.saturating_mul(config.epochs);
        let per_epoch = steps_per_epoch / config.evaluations_per_epoch;
        let for_the_cap = config.max_curve_points.map_or(1, |m| total.div_ceil(m));
        Ok(Schedule {
            steps_per_epoch,
            epochs: config.epochs,
            evaluate_every: per_epoch.max(for_the_cap).max(1),
            cadence: config.cadence,
        })
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.steps_per_epoch
    }

    /// Steps in the whole run.
    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch.saturating_mul(self.epochs)
    }

    /// The spacing `e` of the points once they are evenly spaced.
    pub fn evaluate_every(&self) -> usize {
        self.evaluate_every
    }

    /// The step after which the next point is measured, the last one having
    /// been measured after step `previous` (0: the start).
    pub fn next_point(&self, previous: usize) -> usize {
        let gap = match self.cadence {
            Cadence::Even => self.evaluate_every,
            Cadence::DenseStart => self.evaluate_every.min((previous / 4).max(1)),
        };
        previous.saturating_add(gap).min(self.total_steps())
    }

    /// Every step after which a point is measured, 0 (the start) first and
    /// the last step last.
    pub fn points(&self) -> Vec<usize> {
        let mut points = vec![0];
        while points[points.len() - 1] < self.total_steps() {
            points.push(self.next_point(points[points.len() - 1]));
        }
        points
    }
}

/// What a run is trained and measured on: its training set, and how a
/// learning-curve point of the network is measured (on which sets).
pub trait CurveData {
    /// One point of the learning curves.
    type Point: Clone + Serialize;

    /// The images the run trains on.
    fn training_set(&self) -> &Dataset;

    /// The network's point after `iteration` steps (`epoch` passes).
    fn point<N: Network<f32>>(
        &self,
        network: &N,
        iteration: usize,
        epoch: f64,
        config: &TrainConfig,
    ) -> Self::Point;

    /// The network on its whole test set, to report when the run ends
    /// (the points may measure a sample of it).
    fn final_test<N: Network<f32>>(&self, network: &N) -> Evaluation;
}

/// Digits: a training set and a test set, trained on the first, measured on
/// a sample of it ([`TrainConfig::train_evaluation_size`]) and on the second
/// (or a sample of it, [`TrainConfig::test_evaluation_size`]).
impl CurveData for (&Dataset, &Dataset) {
    type Point = CurvePoint;

    fn training_set(&self) -> &Dataset {
        self.0
    }

    fn point<N: Network<f32>>(
        &self,
        network: &N,
        iteration: usize,
        epoch: f64,
        config: &TrainConfig,
    ) -> CurvePoint {
        let on_train = evaluate(network, self.0, Some(config.train_evaluation_size));
        let on_test = evaluate(network, self.1, config.test_evaluation_size);
        CurvePoint {
            iteration,
            epoch,
            train_cost: on_train.cost,
            train_accuracy: on_train.accuracy,
            test_cost: on_test.cost,
            test_accuracy: on_test.accuracy,
        }
    }

    fn final_test<N: Network<f32>>(&self, network: &N) -> Evaluation {
        evaluate(network, self.1, None)
    }
}

/// MNIST: its two splits, as above.
impl CurveData for Mnist {
    type Point = CurvePoint;

    fn training_set(&self) -> &Dataset {
        &self.train
    }

    fn point<N: Network<f32>>(
        &self,
        network: &N,
        iteration: usize,
        epoch: f64,
        config: &TrainConfig,
    ) -> CurvePoint {
        (&self.train, &self.test).point(network, iteration, epoch, config)
    }

    fn final_test<N: Network<f32>>(&self, network: &N) -> Evaluation {
        (&self.train, &self.test).final_test(network)
    }
}

/// What one call of [`Run::advance`] did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Advance<P> {
    /// Steps taken so far (all calls).
    pub iteration: usize,
    /// Passes over the training set so far, fractional.
    pub epoch: f64,
    /// Steps in the whole run.
    pub total_iterations: usize,
    /// The last batch's mean cost before its step; `None` before the first.
    pub batch_cost: Option<f64>,
    /// The points measured since the previous call (the first call also
    /// returns the starting point).
    pub points: Vec<P>,
    /// Whether the run has taken its last step.
    pub finished: bool,
    /// The whole test set, measured once, by the call that finished the run.
    pub final_test: Option<Evaluation>,
}

/// How much of a run one call of [`Run::advance`] may take.
pub struct Budget<'a> {
    /// At most this many steps.
    pub max_steps: usize,
    /// Asked before every step after the first: `false` stops the call (the
    /// page passes a clock check, so that a chunk of steps takes ~30 ms).
    pub keep_going: &'a mut dyn FnMut() -> bool,
}

impl<'a> Budget<'a> {
    /// Up to `max_steps` steps, whatever the time.
    pub fn steps(max_steps: usize, keep_going: &'a mut dyn FnMut() -> bool) -> Self {
        Budget {
            max_steps,
            keep_going,
        }
    }
}

/// A training run: a [`Trainer`], its [`Schedule`] and the learning curve
/// measured so far. The same run serves the command line (all steps at
/// once, with progress after each) and the page (chunks of steps between
/// which it answers other requests, paused and resumed at will).
#[derive(Clone, Debug)]
pub struct Run<N, P> {
    trainer: Trainer<N>,
    schedule: Schedule,
    curve: Vec<P>,
    /// The step after which the next point is due.
    next_point: usize,
    /// The step of the last point measured.
    last_point: usize,
    /// Points of `curve` already handed out by [`Run::advance`].
    reported: usize,
    batch_cost: Option<f64>,
    /// The whole test set, measured when the run ended.
    final_test: Option<Evaluation>,
}

impl<N: Network<f32>, P: Clone> Run<N, P> {
    /// A run of `network` on `data` with `config`; measures the starting
    /// point. The network's weights should come from
    /// [`Trainer::rng_for`]`(config.seed)` for the run to be reproducible.
    pub fn new<D: CurveData<Point = P>>(
        network: N,
        config: TrainConfig,
        data: &D,
    ) -> Result<Self, TrainError> {
        let n_train = data.training_set().len();
        let schedule = Schedule::new(n_train, &config)?;
        let trainer = Trainer::new(network, config, n_train)?;
        let start = data.point(trainer.network(), 0, 0.0, trainer.config());
        Ok(Run {
            trainer,
            schedule,
            curve: vec![start],
            next_point: schedule.next_point(0),
            last_point: 0,
            reported: 0,
            batch_cost: None,
            final_test: None,
        })
    }

    /// Takes one step; measures a point if one is due after it (always after
    /// the last step) and returns it.
    ///
    /// Taking a step after the last one is an error-free no-op returning
    /// `None`: the run is over.
    pub fn step<D: CurveData<Point = P>>(&mut self, data: &D) -> Result<Option<&P>, TrainError> {
        if self.is_finished() {
            return Ok(None);
        }
        self.batch_cost = Some(self.trainer.step(data.training_set())?);
        let iteration = self.trainer.iteration();
        if iteration >= self.next_point {
            self.measure(data);
            return Ok(self.curve.last());
        }
        Ok(None)
    }

    /// Takes steps until the run ends, `budget.max_steps` are taken or
    /// `budget.keep_going` says stop; reports the points measured since the
    /// last call and, if the run ended, its whole test set.
    pub fn advance<D: CurveData<Point = P>>(
        &mut self,
        data: &D,
        budget: Budget<'_>,
    ) -> Result<Advance<P>, TrainError> {
        let was_finished = self.is_finished();
        for taken in 0..budget.max_steps {
            if self.is_finished() || (taken > 0 && !(budget.keep_going)()) {
                break;
            }
            self.step(data)?;
        }
        let finished = self.is_finished();
        let final_test =
            (finished && !was_finished).then(|| data.final_test(self.trainer.network()));
        if final_test.is_some() {
            self.final_test = final_test;
        }
        Ok(self.report(final_test))
    }

    /// Measures a point now (unless one was measured after this very step)
    /// and spaces the next ones from here: the page's Step button shows
    /// where each press left the network.
    pub fn measure_now<D: CurveData<Point = P>>(&mut self, data: &D) -> Advance<P> {
        if self.last_point != self.trainer.iteration() {
            self.measure(data);
        }
        self.report(None)
    }

    fn measure<D: CurveData<Point = P>>(&mut self, data: &D) {
        let iteration = self.trainer.iteration();
        let point = data.point(
            self.trainer.network(),
            iteration,
            self.trainer.epoch(),
            self.trainer.config(),
        );
        self.curve.push(point);
        self.last_point = iteration;
        self.next_point = self.schedule.next_point(iteration);
    }

    fn report(&mut self, final_test: Option<Evaluation>) -> Advance<P> {
        let points = self.curve[self.reported..].to_vec();
        self.reported = self.curve.len();
        Advance {
            iteration: self.trainer.iteration(),
            epoch: self.trainer.epoch(),
            total_iterations: self.schedule.total_steps(),
            batch_cost: self.batch_cost,
            points,
            finished: self.is_finished(),
            final_test,
        }
    }

    /// Whether the run has taken its last step.
    pub fn is_finished(&self) -> bool {
        self.trainer.iteration() >= self.schedule.total_steps()
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Steps taken so far.
    pub fn iteration(&self) -> usize {
        self.trainer.iteration()
    }

    /// The network as it is now.
    pub fn network(&self) -> &N {
        self.trainer.network()
    }

    pub fn config(&self) -> &TrainConfig {
        self.trainer.config()
    }

    /// The learning curve so far, the starting point first.
    pub fn curve(&self) -> &[P] {
        &self.curve
    }

    /// The whole test set's figures, once [`Run::advance`] has ended the run.
    pub fn final_test(&self) -> Option<Evaluation> {
        self.final_test
    }

    /// The network and its curve.
    pub fn into_report(self) -> TrainReport<N, P> {
        TrainReport {
            network: self.trainer.into_network(),
            curve: self.curve,
        }
    }
}

/// The `format` of `report.json`.
pub const REPORT_FORMAT: &str = "gradlab-mnist-report";
/// The layout version of `report.json` this code writes and reads.
pub const REPORT_VERSION: u32 = 1;

/// `report.json`: what `gradlab mnist train --out` writes beside
/// `model.safetensors` (and prints with `--json`), and what the page writes
/// when a learner saves a network trained there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct TrainingReport {
    pub format: String,
    pub version: u32,
    pub model: ModelSpec,
    pub config: TrainConfig,
    /// The last curve point's figures (on the whole test set unless the
    /// config sampled it).
    pub test_accuracy: f64,
    pub test_cost: f64,
    pub train_accuracy: f64,
    /// The wall-clock time of the run.
    pub seconds: f64,
    pub train_images: usize,
    pub test_images: usize,
    pub curve: Vec<CurvePoint>,
}

impl TrainingReport {
    /// The report of a run of `model` on `data`; its test figures are
    /// `final_test`'s (the whole test set) where the run measured it, else
    /// the last curve point's.
    pub fn new(
        model: ModelSpec,
        config: &TrainConfig,
        curve: &[CurvePoint],
        final_test: Option<Evaluation>,
        data: &Mnist,
        seconds: f64,
    ) -> Self {
        let last = curve.last().copied();
        let at = |f: fn(&CurvePoint) -> f64| last.as_ref().map_or(f64::NAN, f);
        TrainingReport {
            format: REPORT_FORMAT.into(),
            version: REPORT_VERSION,
            model,
            config: config.clone(),
            test_accuracy: final_test.map_or_else(|| at(|p| p.test_accuracy), |t| t.accuracy),
            test_cost: final_test.map_or_else(|| at(|p| p.test_cost), |t| t.cost),
            train_accuracy: at(|p| p.train_accuracy),
            seconds,
            train_images: data.train.len(),
            test_images: data.test.len(),
            curve: curve.to_vec(),
        }
    }
}

/// What [`train`] reports after each step.
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a, P> {
    pub iteration: usize,
    pub total_iterations: usize,
    /// The batch's mean cost before the step.
    pub batch_cost: f64,
    /// A new learning-curve point, when one was measured at this step.
    pub point: Option<&'a P>,
}

/// The trained network and how it got there.
#[derive(Clone, Debug)]
pub struct TrainReport<N, P = CurvePoint> {
    pub network: N,
    /// Learning curves, from before the first step to after the last.
    pub curve: Vec<P>,
}

impl<N, P> TrainReport<N, P> {
    /// The last curve point: the trained network's figures.
    pub fn last(&self) -> &P {
        self.curve.last().expect("a curve has its starting point")
    }
}

/// Trains `network` on `data` for `config.epochs` epochs, all at once,
/// calling `on_progress` after every step: a [`Run`] for the command line.
pub fn train<N: Network<f32>, D: CurveData>(
    network: N,
    data: &D,
    config: &TrainConfig,
    mut on_progress: impl FnMut(Progress<'_, D::Point>),
) -> Result<TrainReport<N, D::Point>, TrainError> {
    let mut run = Run::new(network, config.clone(), data)?;
    let total_iterations = run.schedule().total_steps();
    while !run.is_finished() {
        let point = run.step(data)?.cloned();
        on_progress(Progress {
            iteration: run.iteration(),
            total_iterations,
            batch_cost: run.batch_cost.unwrap_or(f64::NAN),
            point: point.as_ref(),
        });
    }
    Ok(run.into_report())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Model, ModelSpec};
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A small, exactly reproducible digit-like task needing no MNIST: class
    /// c lights pixel c (of 4x4) brightly and the others dimly by index.
    fn tiny_mnist(n_train: usize, n_test: usize) -> Mnist {
        tiny_task(n_train, n_test, |class, _| class)
    }

    /// [`tiny_mnist`] with image i's bright pixel at `pixel_of(class, i)`.
    fn tiny_task(n_train: usize, n_test: usize, pixel_of: fn(usize, usize) -> usize) -> Mnist {
        let set = |n: usize, offset: usize| {
            let mut pixels = Array2::<u8>::zeros((n, 16));
            let mut labels = Vec::with_capacity(n);
            for i in 0..n {
                let class = (i + offset) % 4;
                for p in 0..16 {
                    pixels[[i, p]] = ((i * 7 + p * 3) % 40) as u8;
                }
                pixels[[i, pixel_of(class, i)]] = 255;
                labels.push(class as u8);
            }
            Dataset::from_pixels(pixels, labels, (4, 4), 4).unwrap()
        };
        Mnist::from_splits(set(n_train, 0), set(n_test, 1), "test").unwrap()
    }

    fn network(seed: u64) -> Model<f32> {
        ModelSpec::default().build(16, 4, &mut Trainer::<Model<f32>>::rng_for(seed))
    }

    fn config(batch_size: usize, epochs: usize, per_epoch: usize) -> TrainConfig {
        TrainConfig {
            batch_size: Some(batch_size),
            epochs,
            evaluations_per_epoch: per_epoch,
            learning_rate: 0.5,
            ..TrainConfig::default()
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_schedule_counts_steps_and_spaces_points_evenly() {
        // 1,000 images in batches of 100: 10 steps an epoch; 4 points an
        // epoch is a point every floor(10 / 4) = 2 steps.
        let schedule = Schedule::new(1000, &config(100, 3, 4)).unwrap();
        assert_eq!(schedule.steps_per_epoch(), 10);
        assert_eq!(schedule.total_steps(), 30);
        assert_eq!(schedule.evaluate_every(), 2);
        let points = schedule.points();
        assert_eq!(points, (0..=30).step_by(2).collect::<Vec<_>>());
        // A last batch of 1 image (1,001 images) is an eleventh step, and the
        // last step is measured even off the spacing.
        let schedule = Schedule::new(1001, &config(100, 1, 4)).unwrap();
        assert_eq!(schedule.total_steps(), 11);
        assert_eq!(schedule.points(), vec![0, 2, 4, 6, 8, 10, 11]);
        // Full batch: one step an epoch, a point after each.
        let full = TrainConfig {
            batch_size: None,
            ..config(1, 5, 4)
        };
        assert_eq!(
            Schedule::new(1000, &full).unwrap().points(),
            vec![0, 1, 2, 3, 4, 5]
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_point_cap_spaces_long_runs_out_and_the_dense_start_fills_the_beginning() {
        // The page's draw run on MNIST: 600 steps an epoch, 12 points an
        // epoch (every 50 steps), at most 150 points: 50 epochs are 30,000
        // steps, so the cap spaces them ceil(30000 / 150) = 200 apart.
        let page = TrainConfig {
            max_curve_points: Some(150),
            ..config(100, 50, 12)
        };
        let schedule = Schedule::new(60_000, &page).unwrap();
        assert_eq!(schedule.evaluate_every(), 200);
        assert_eq!(schedule.points().len(), 1 + 150);
        let short = Schedule::new(
            60_000,
            &TrainConfig {
                epochs: 2,
                ..page.clone()
            },
        )
        .unwrap();
        assert_eq!(
            short.evaluate_every(),
            50,
            "the cap only binds on long runs"
        );
        // Dense start: a quarter further on each time, until 50 apart.
        let dense = Schedule::new(
            60_000,
            &TrainConfig {
                epochs: 2,
                cadence: Cadence::DenseStart,
                ..page
            },
        )
        .unwrap();
        let points = dense.points();
        assert_eq!(
            &points[..16],
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 18, 22, 27, 33]
        );
        let gaps: Vec<usize> = points.windows(2).map(|w| w[1] - w[0]).collect();
        // (The last gap is cut short by the end of the run.)
        let before_the_end = &gaps[..gaps.len() - 1];
        assert!(
            before_the_end.windows(2).all(|g| g[0] <= g[1]),
            "gaps never shrink"
        );
        assert_eq!(gaps.iter().max(), Some(&50));
        assert_eq!(points.last(), Some(&1200));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_schedule_refuses_what_it_cannot_run() {
        let data = 1000;
        assert_eq!(
            Schedule::new(0, &config(10, 1, 1)),
            Err(TrainError::EmptyTrainingSet)
        );
        assert_eq!(
            Schedule::new(data, &config(10, 1, 0)),
            Err(TrainError::CurvePoints)
        );
        let capped = TrainConfig {
            max_curve_points: Some(0),
            ..config(10, 1, 1)
        };
        assert_eq!(Schedule::new(data, &capped), Err(TrainError::CurvePoints));
        assert_eq!(
            Schedule::new(data, &config(0, 1, 1)),
            Err(TrainError::BatchSize)
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_run_cut_into_chunks_is_the_run_taken_at_once() {
        // The page advances a run ~30 ms at a time, the command line all at
        // once; both must give the same weights and the same curve.
        let data = tiny_mnist(200, 40);
        let config = config(16, 3, 4);
        let whole = train(network(7), &data, &config, |_| {}).unwrap();

        let mut run = Run::new(network(7), config.clone(), &data).unwrap();
        let mut points = Vec::new();
        let mut calls = 0;
        // Chunks of 5 steps, one cut short by its clock after 2.
        while !run.is_finished() {
            let mut asked = 0;
            let mut clock = || {
                asked += 1;
                !(calls == 3 && asked >= 2)
            };
            let advance = run.advance(&data, Budget::steps(5, &mut clock)).unwrap();
            points.extend(advance.points);
            calls += 1;
        }
        assert_eq!(run.network().weights(), whole.network.weights());
        assert_eq!(points, whole.curve);
        assert_eq!(run.curve(), &whole.curve[..]);
        // 200 images in batches of 16: 13 steps an epoch, 39 in all, a point
        // every floor(13 / 4) = 3 steps: 13 points and the start.
        assert_eq!(run.schedule().points().len(), 1 + 13);
        assert_eq!(points.len(), 1 + 13);
        assert_eq!(points[0].iteration, 0);
        assert_eq!(points.last().unwrap().iteration, 39);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn advance_reports_new_points_once_and_the_whole_test_set_when_it_ends() {
        let data = tiny_mnist(64, 30);
        let sampled = TrainConfig {
            test_evaluation_size: Some(10),
            ..config(8, 2, 2)
        };
        let mut run = Run::new(network(1), sampled, &data).unwrap();
        let mut always = || true;
        let first = run.advance(&data, Budget::steps(3, &mut always)).unwrap();
        // 8 steps an epoch, a point every 4: the start only, after 3 steps.
        assert_eq!(first.iteration, 3);
        assert_eq!(first.total_iterations, 16);
        assert_eq!(first.points.len(), 1);
        assert_eq!(first.points[0].iteration, 0);
        assert!(first.batch_cost.is_some());
        assert!(!first.finished && first.final_test.is_none());
        let rest = run.advance(&data, Budget::steps(100, &mut always)).unwrap();
        let at: Vec<usize> = rest.points.iter().map(|p| p.iteration).collect();
        assert_eq!(at, vec![4, 8, 12, 16]);
        assert!(rest.finished);
        let final_test = rest.final_test.expect("measured when the run ended");
        assert_eq!(final_test, evaluate(run.network(), &data.test, None));
        // Past the end: nothing more happens and nothing is reported twice.
        let after = run.advance(&data, Budget::steps(5, &mut always)).unwrap();
        assert_eq!(after.iteration, 16);
        assert!(after.points.is_empty() && after.final_test.is_none());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_measured_step_spaces_the_next_points_from_there() {
        let data = tiny_mnist(64, 20);
        let mut run = Run::new(network(2), config(8, 4, 2), &data).unwrap();
        let mut always = || true;
        run.advance(&data, Budget::steps(5, &mut always)).unwrap();
        let stepped = run.measure_now(&data);
        // The point due after step 4 went out with the advance; this is the
        // Step's own.
        assert_eq!(
            stepped
                .points
                .iter()
                .map(|p| p.iteration)
                .collect::<Vec<_>>(),
            vec![5]
        );
        assert!(run.measure_now(&data).points.is_empty(), "one point a step");
        let next = run.advance(&data, Budget::steps(4, &mut always)).unwrap();
        assert_eq!(
            next.points.iter().map(|p| p.iteration).collect::<Vec<_>>(),
            vec![9]
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_small_task_is_learned_and_the_same_seed_repeats_it() {
        let data = tiny_mnist(200, 40);
        let report = train(network(3), &data, &config(20, 20, 1), |_| {}).unwrap();
        let (first, last) = (report.curve[0], *report.last());
        assert!(
            last.train_cost < first.train_cost / 2.0,
            "{first:?} -> {last:?}"
        );
        assert_eq!(last.test_accuracy, 1.0);
        let again = train(network(3), &data, &config(20, 20, 1), |_| {}).unwrap();
        assert_eq!(again.network.weights(), report.network.weights());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn an_oversized_step_is_reported_as_divergence() {
        // Labels that the pixels do not tell (the bright pixel moves with the
        // image, not the class): no weights fit, so the cost grows with the
        // weights' size, and a rate of 1e6 makes them huge in one step.
        let data = tiny_task(200, 10, |_, i| (i * 5) % 16);
        let wild = TrainConfig {
            learning_rate: 1e6,
            ..config(20, 5, 1)
        };
        let error = train(network(4), &data, &wild, |_| {}).unwrap_err();
        assert!(
            matches!(error, TrainError::Diverged { learning_rate, suggestion, .. }
            if learning_rate == 1e6 && suggestion == 1e5),
            "{error}"
        );
    }
}
