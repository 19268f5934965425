//! MNIST's IDX image files: any bytes are parsed images or a named error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(images) = gradlab::mnist::parse_images("fuzz-images", data) {
        // What parsing promises: one row per image, rows x cols pixels each.
        assert_eq!(images.pixels.ncols(), images.rows * images.cols);
        assert_eq!(images.pixels.len() + 16, data.len());
    }
});
