//! The `gradlab` binary's interface that other tools rely on (README, "The command line"): one
//! JSON object on stdout with `--json`, clear errors otherwise.

// Native only: the binary, the file system and candle (see Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::process::{Command, Output};

fn gradlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradlab"))
        .args(args)
        .env("GRADLAB_MNIST", common::mnist_dir())
        .output()
        .expect("the binary runs")
}

#[test]
fn gradcheck_json_has_ten_rows_from_h_1_to_1e_9() {
    let value = common::json_of(&gradlab(&["gradcheck", "--json"]));
    let rows = value["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    // The command prints the library's table unchanged; the library's table
    // is pinned to an independent numpy computation in src/gradcheck.rs.
    // (serde_json's default float parser may land one ulp off the printed
    // value, hence a few ulps' room rather than ==.)
    let table = gradlab::gradcheck::figure5_table();
    let same = |a: f64, b: f64| (a - b).abs() <= 4.0 * f64::EPSILON * b.abs();
    for ((decade, row), expected) in rows.iter().enumerate().zip(&table) {
        let h = row["h"].as_f64().unwrap();
        assert!((h / 10f64.powi(-(decade as i32)) - 1.0).abs() < 1e-12);
        assert!(same(h, expected.h));
        let error = row["total_error"].as_f64().unwrap();
        assert!(
            same(error, expected.total_error),
            "{error} against {}",
            expected.total_error
        );
    }
}

#[test]
fn mnist_stats_json_has_ten_counts_per_split() {
    let value = common::json_of(&gradlab(&["mnist", "stats", "--json"]));
    let sum = |split: &str| {
        value[split]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!((sum("train"), sum("test")), (60_000, 10_000));
}

/// A reader that stops early (`gradlab mnist stats | head -c 0`) ends the
/// program as it ends other command-line tools, by SIGPIPE, with nothing on
/// stderr: before, the first `println!` after the pipe closed panicked
/// ("failed printing to stdout: Broken pipe").
#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_ends_the_program_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gradlab"))
        .args(["mnist", "stats"])
        .env("GRADLAB_MNIST", common::mnist_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The read end closes before the program has read MNIST, let alone printed.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("the binary ends");
    assert_eq!(
        output.status.signal(),
        Some(13),
        "ended by SIGPIPE: {:?}",
        output.status
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "",
        "nothing on stderr"
    );
}

#[test]
fn missing_data_says_where_it_looked_and_how_to_get_it() {
    let output = gradlab(&["mnist", "stats", "--data", "/nonexistent/mnist"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("MNIST is not at /nonexistent/mnist: no such file or folder"),
        "{stderr}"
    );
    assert!(stderr.contains("scripts/setup.sh"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing on stdout for a failure");
}

#[test]
fn train_writes_a_model_that_surface_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("softmax");
    let value = common::json_of(&gradlab(&[
        "mnist",
        "train",
        "--model",
        "softmax",
        "--train-limit",
        "3000",
        "--epochs",
        "2",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]));
    let accuracy = value["test_accuracy"].as_f64().unwrap();
    assert!(
        (0.8..=1.0).contains(&accuracy),
        "3000 images, 2 epochs: {accuracy}"
    );
    assert!(value["curve"].as_array().unwrap().len() >= 2);
    assert!(out.join("report.json").is_file());

    let weights = out.join("model.safetensors");
    let surface = common::json_of(&gradlab(&[
        "surface",
        "--weights",
        weights.to_str().unwrap(),
        "--resolution",
        "5",
        "--steps",
        "3",
        "--images",
        "200",
        "--json",
    ]));
    assert_eq!(surface["grid"]["costs"].as_array().unwrap().len(), 25);
    assert_eq!(surface["gd"]["points"].as_array().unwrap().len(), 4);
    assert_eq!(surface["momentum"]["points"].as_array().unwrap().len(), 4);
}

#[test]
fn mlp_training_json_reports_test_accuracy() {
    let value = common::json_of(&gradlab(&[
        "mnist",
        "train",
        "--model",
        "mlp",
        "--hidden",
        "32",
        "--optimizer",
        "gd",
        "--train-limit",
        "2000",
        "--epochs",
        "1",
        "--json",
    ]));
    // One epoch of plain descent on 2,000 images: 0.60, 0.69, 0.63, 0.60
    // on the whole test set for seeds 0-3, measured when this test was
    // written; chance is 0.10, and a network that learns nothing stays near it.
    let accuracy = value["test_accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.5, "{accuracy}");
    assert_eq!(value["model"]["kind"], "mlp");
    assert_eq!(value["model"]["hidden_units"], 32);
    let curve = value["curve"].as_array().unwrap();
    assert_eq!(
        curve.last().unwrap()["test_accuracy"].as_f64(),
        Some(accuracy),
        "the figure reported is the last point of the curve"
    );
    assert_eq!(value["format"], "gradlab-mnist-report");
    assert_eq!(value["version"], 1);
}

#[test]
fn a_negative_learning_rate_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let output = gradlab(&[
        "mnist",
        "train",
        "--learning-rate=-1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("learning rate -1"));
    assert!(
        !out.exists(),
        "no output folder for a run that never started"
    );
}

#[test]
fn backprop_cost_json_times_both_methods() {
    let value = common::json_of(&gradlab(&[
        "backprop-cost",
        "--sizes",
        "2:4,3:4,2:6",
        "--batch",
        "4",
        "--json",
    ]));
    let rows = value["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    // N layers of K units have N (K + 1) K weights.
    assert_eq!(rows[2]["n_weights"], 2 * 7 * 6);
    assert!(rows
        .iter()
        .all(|r| r["max_abs_difference"].as_f64().unwrap() < 1e-12));
}

/// The shipped part-10 run (`www/public/features`, written by `gradlab
/// features --out`) in a scratch folder, without its features.json.
fn shipped_features_run(root: &std::path::Path) -> std::path::PathBuf {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/public/features");
    let run = root.join("features-run");
    std::fs::create_dir_all(&run).unwrap();
    for file in ["features.safetensors", "classifier.safetensors"] {
        std::fs::copy(shipped.join(file), run.join(file)).unwrap();
    }
    run
}

#[test]
fn faces_eval_measures_a_features_runs_classifier_as_the_run_recorded_it() {
    let root = tempfile::tempdir().unwrap();
    let run = shipped_features_run(root.path());
    let value = common::json_of(&gradlab(&[
        "faces",
        "eval",
        "--data",
        run.to_str().unwrap(),
        "--json",
    ]));
    // The figures `gradlab features` recorded for the same classifier.
    let recorded: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("www/public/features/features.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        value["test_accuracy"],
        recorded["on_features"]["test_accuracy"]
    );
    assert_eq!(value["confusion"], recorded["on_features"]["confusion"]);
    assert_eq!(value["backbone"], recorded["backbone"]);
}

#[test]
fn faces_eval_refuses_a_network_that_does_not_take_the_runs_features() {
    let root = tempfile::tempdir().unwrap();
    let run = shipped_features_run(root.path());
    // The faces network of part 8 takes 32x32 pixels, not features.
    let faces_model =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/public/faces/model.safetensors");
    let output = gradlab(&[
        "faces",
        "eval",
        "--data",
        run.to_str().unwrap(),
        "--model",
        faces_model.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("does not take") && message.contains("features of"),
        "{message}"
    );
}
