//! Parts 1 to 5 on the real MNIST: the data, the gradient on real digits,
//! and training both networks to the accuracy the project expects.

mod common;

use gradlab::gradcheck::sampled_relative_error;
use gradlab::network::{Activation, Model, ModelKind, ModelSpec, Network};
use gradlab::optim::OptimizerKind;
use gradlab::train::{self, TrainConfig, TrainError, Trainer};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn build(spec: ModelSpec, seed: u64) -> Model<f32> {
    spec.build(784, 10, &mut Trainer::<Model<f32>>::rng_for(seed))
}

fn mlp(hidden_units: usize, activation: Activation) -> ModelSpec {
    ModelSpec {
        kind: ModelKind::Mlp,
        hidden_units,
        activation,
    }
}

#[test]
fn mnist_has_the_published_counts_per_digit() {
    // The per-digit counts of the original MNIST distribution (LeCun,
    // Cortes and Burges), as tabulated in many places; they sum to 60,000
    // and 10,000.
    let counts = common::mnist().class_counts();
    assert_eq!(
        counts.train,
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        counts.test,
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
}

#[test]
fn every_digit_comes_back_from_the_packed_store_as_the_file_has_it() {
    let mnist = common::mnist();
    let dir = common::mnist_dir();
    for (data, file) in [
        (&mnist.train, gradlab::mnist::TRAIN_IMAGES),
        (&mnist.test, gradlab::mnist::TEST_IMAGES),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let all: Vec<usize> = (0..data.len()).collect();
        let pixels = data.pixels(&all);
        assert!(pixels.as_slice() == Some(&bytes[16..]), "{file}");
        // X's column of the last image: a bias of 1, then its pixels times
        // 1/255 (as Dataset::inputs_into scales them).
        let x = data.inputs::<f32>(&[0, data.len() - 1]);
        let last = bytes[bytes.len() - 784..]
            .iter()
            .map(|&p| f32::from(p) * (1.0 / 255.0));
        assert!(
            x.column(1)
                .iter()
                .copied()
                .eq(std::iter::once(1.0).chain(last)),
            "{file}"
        );
    }
}

#[test]
fn backprop_matches_finite_differences_on_real_digits_for_both_networks() {
    let mnist = common::mnist();
    let indices: Vec<usize> = (0..25).map(|i| i * 997).collect();
    let (x, y) = (
        mnist.train.inputs::<f64>(&indices),
        mnist.train.one_hot::<f64>(&indices),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for spec in [
        ModelSpec::default(),
        mlp(20, Activation::Tanh),
        mlp(20, Activation::Relu),
    ] {
        let net: Model<f64> = spec.build(784, 10, &mut rng);
        let check = sampled_relative_error(&net, x.view(), y.view(), 1e-6, 300, &mut rng);
        assert!(
            check.relative_error < 1e-6,
            "{spec:?}: relative error {}",
            check.relative_error
        );
    }
}

#[test]
fn softmax_with_default_settings_reaches_92_percent() {
    let mnist = common::mnist();
    let config = TrainConfig::default();
    let report = train::train(
        build(ModelSpec::default(), config.seed),
        &(&mnist.train, &mnist.test),
        &config,
        |_| {},
    )
    .unwrap();
    let last = report.last();
    // Softmax regression on MNIST tops out near 92-93% (LeCun et al. list
    // a linear classifier at 7.6-12% error); the issue asks for 92%.
    assert!(
        last.test_accuracy >= 0.92,
        "test accuracy {}",
        last.test_accuracy
    );
    assert_eq!(last.epoch, config.epochs as f64);
}

#[test]
fn one_hidden_layer_of_300_tanh_units_with_momentum_reaches_98_percent() {
    let mnist = common::mnist();
    // The CLI's defaults for `--model mlp`: 20 epochs, lr 0.05, beta 0.9.
    let config = TrainConfig {
        epochs: 20,
        evaluations_per_epoch: 1,
        ..TrainConfig::default()
    };
    let report = train::train(
        build(mlp(300, Activation::Tanh), 0),
        &(&mnist.train, &mnist.test),
        &config,
        |_| {},
    )
    .unwrap();
    assert!(
        report.last().test_accuracy >= 0.98,
        "test accuracy {}",
        report.last().test_accuracy
    );
}

#[test]
fn training_lowers_the_cost_with_both_optimisers() {
    let mnist = common::mnist();
    let train_set = mnist.train.first(2000);
    for optimizer in [OptimizerKind::Gd, OptimizerKind::Momentum { beta: 0.9 }] {
        // Full batch: every step follows the true gradient, so the cost on
        // the training set must fall.
        let config = TrainConfig {
            optimizer,
            batch_size: None,
            epochs: 30,
            evaluations_per_epoch: 1,
            train_evaluation_size: 2000,
            learning_rate: 0.5,
            ..TrainConfig::default()
        };
        let report = train::train(
            build(ModelSpec::default(), 3),
            &(&train_set, &mnist.test.first(1000)),
            &config,
            |_| {},
        )
        .unwrap();
        let (first, last) = (report.curve[0], *report.last());
        assert!(
            last.train_cost < 0.6 * first.train_cost,
            "{optimizer:?}: {} -> {}",
            first.train_cost,
            last.train_cost
        );
        assert!(
            last.test_accuracy > 0.8,
            "{optimizer:?}: {}",
            last.test_accuracy
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_weights_and_another_seed_does_not() {
    let mnist = common::mnist();
    let train_set = mnist.train.first(1000);
    let test_set = mnist.test.first(100);
    let run = |seed| {
        let config = TrainConfig {
            seed,
            epochs: 1,
            evaluations_per_epoch: 1,
            ..TrainConfig::default()
        };
        train::train(
            build(mlp(16, Activation::Tanh), seed),
            &(&train_set, &test_set),
            &config,
            |_| {},
        )
        .unwrap()
    };
    let (a, b, c) = (run(7), run(7), run(8));
    assert_eq!(a.network.weights(), b.network.weights());
    assert_eq!(a.curve, b.curve);
    assert_ne!(a.network.weights(), c.network.weights());
}

#[test]
fn a_learning_rate_that_blows_up_is_reported_as_divergence() {
    let mnist = common::mnist();
    let train_set = mnist.train.first(500);
    // With a step of 1e6 the cost explodes within a few steps (ReLU units
    // are unbounded); the trainer stops at 1000 times the first cost.
    let config = TrainConfig {
        learning_rate: 1e6,
        epochs: 5,
        ..TrainConfig::default()
    };
    let error = train::train(
        build(mlp(32, Activation::Relu), 0),
        &(&train_set, &mnist.test.first(100)),
        &config,
        |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(error, TrainError::Diverged { learning_rate, .. } if learning_rate == 1e6),
        "{error}"
    );
    assert!(error.to_string().contains("lower the learning rate"));
}

#[test]
fn settings_that_cannot_work_are_refused_before_training() {
    let mnist = common::mnist();
    let bad = [
        (
            TrainConfig {
                learning_rate: -0.1,
                ..TrainConfig::default()
            },
            TrainError::LearningRate(-0.1),
        ),
        (
            TrainConfig {
                learning_rate: f64::NAN,
                ..TrainConfig::default()
            },
            TrainError::LearningRate(f64::NAN),
        ),
        (
            TrainConfig {
                optimizer: OptimizerKind::Momentum { beta: 1.0 },
                ..TrainConfig::default()
            },
            TrainError::Momentum(1.0),
        ),
        (
            TrainConfig {
                batch_size: Some(0),
                ..TrainConfig::default()
            },
            TrainError::BatchSize,
        ),
        (
            TrainConfig {
                epochs: 0,
                ..TrainConfig::default()
            },
            TrainError::Epochs,
        ),
    ];
    for (config, expected) in bad {
        let error = train::train(
            build(ModelSpec::default(), 0),
            &(&mnist.train, &mnist.test),
            &config,
            |_| {},
        )
        .unwrap_err();
        // NaN != NaN, so compare the messages.
        assert_eq!(error.to_string(), expected.to_string());
    }
}

#[test]
fn a_network_for_other_images_is_refused_with_both_sizes() {
    let mnist = common::mnist();
    let model: Model<f32> =
        ModelSpec::default().build(20, 10, &mut Trainer::<Model<f32>>::rng_for(0));
    let mut trainer = Trainer::new(model, TrainConfig::default(), mnist.train.len()).unwrap();
    let error = trainer.step(&mnist.train).unwrap_err();
    assert_eq!(
        error,
        TrainError::InputSize {
            expected: 20,
            found: 784
        }
    );
}
