//! MNIST's IDX image files: any bytes are parsed images or a named error,
//! and the same whether they come at once or in pieces (a download's).
#![no_main]

use gradlab::mnist::{parse_images, ImagesReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = parse_images("fuzz-images", data);
    // The same bytes in pieces of a size taken from the data itself.
    let size = data.first().map_or(1, |&b| usize::from(b % 17) + 1);
    let mut reader = ImagesReader::new("fuzz-images");
    data.chunks(size).for_each(|piece| reader.push(piece));
    let pieces = reader.finish();
    assert_eq!(whole.is_ok(), pieces.is_ok());
    if let (Ok(images), Ok(from_pieces)) = (whole, pieces) {
        // What parsing promises: rows x cols pixels an image, and every
        // image unpacks to the file's bytes.
        let n_pixels = images.rows * images.cols;
        assert_eq!(images.pixels.n_pixels(), n_pixels);
        assert_eq!(images.pixels.len() * n_pixels + 16, data.len());
        for index in 0..images.pixels.len() {
            let at = 16 + index * n_pixels;
            assert_eq!(images.pixels.unpack(index), &data[at..at + n_pixels]);
        }
        assert_eq!(images.pixels, from_pieces.pixels);
    }
});
