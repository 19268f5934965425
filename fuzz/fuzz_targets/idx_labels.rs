//! MNIST's IDX label files: any bytes are digit labels or a named error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(labels) = gradlab::mnist::parse_labels("fuzz-labels", data) {
        assert!(labels.iter().all(|&l| l < 10));
        // And as half of a pair: a count mismatch is an error, not a panic.
        let images = gradlab::mnist::idx_bytes::images(1, 1, 1, &[0]);
        let _ = gradlab::mnist::Dataset::from_idx_bytes("i", images, "l", data);
    }
});
