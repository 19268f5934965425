//! SqueezeNet 1.1's forward pass natively, as the page's worker runs it: the
//! half-precision weights the page downloads, one 227x227 photograph
//! (tests/fixtures/china-227.png) to the 1000 class scores, timed after a
//! warm-up; then part 10's features (fire9, batches of 16) of the first 40
//! shipped faces. Prints one JSON object, for `www/bench/cnn-bench.mjs`,
//! which measures the same in Chromium.
//!
//! `cargo run --release --example cnn_forward -- [passes] [runs]`
//!
//! candle runs on as many threads as `RAYON_NUM_THREADS` says (else one per
//! core); the page's module runs on one, so the benchmark sets it to 1.

use std::time::Instant;

use gradlab::cnn::{self, imagenet, squeezenet, Backbone, SqueezeNet};
use gradlab::faces::FaceSet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let passes: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let weights = std::fs::read(repo.join("www/public/cnn/squeezenet1_1-f16.safetensors"))?;
    let net = Backbone::SqueezeNet(SqueezeNet::from_safetensors("f16 weights", &weights)?);
    let photo = image::open(repo.join("tests/fixtures/china-227.png"))?.to_rgb8();

    let forward = || -> Result<Vec<f32>, Box<dyn std::error::Error>> {
        let input = cnn::input_tensor(std::slice::from_ref(&photo), &squeezenet::INPUT)?;
        Ok(net.logits(&input)?.flatten_all()?.to_vec1::<f32>()?)
    };
    for _ in 0..3 {
        forward()?;
    }
    let mut milliseconds = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        for _ in 0..passes {
            forward()?;
        }
        milliseconds.push(started.elapsed().as_secs_f64() * 1e3 / passes as f64);
    }
    let top5: Vec<usize> = imagenet::top_k(&forward()?, 5)
        .iter()
        .map(|t| t.0)
        .collect();

    let faces_file = repo.join("www/public/faces/faces.safetensors");
    let faces = FaceSet::from_safetensors("faces.safetensors", &std::fs::read(faces_file)?)?;
    let images: Vec<_> = cnn::crops_as_rgb(&faces).into_iter().take(40).collect();
    let started = Instant::now();
    let rows = net.extract(&images, "fire9", 16, |_| {})?;
    let features_seconds = started.elapsed().as_secs_f64();

    println!(
        "{}",
        serde_json::json!({
            "threads": candle_core::utils::get_num_threads(),
            "passes": passes,
            "forward_ms": milliseconds,
            "top5": top5,
            "faces": rows.len(),
            "features_seconds": features_seconds,
        })
    );
    Ok(())
}
