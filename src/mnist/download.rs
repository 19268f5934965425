//! MNIST as it downloads: each of the four IDX files is fed in pieces, as
//! the network delivers them, and unpacked on the way in. The page's worker
//! reads its downloads this way so that the 55 MB of pixels go, image by
//! image as they come, into the packed store the [`Dataset`]s keep (17 MB:
//! [`PackedImages`](super::PackedImages)): no whole copy of a file, gzipped
//! or unpacked, is ever held in JavaScript, whose garbage a tab keeps until
//! a collection, or in the WebAssembly memory, which never shrinks and
//! would stay at the peak.
//!
//! Whether a file is gzipped is read off its first two bytes (gzip's magic,
//! `1f 8b`), not its name: a server that sent the `.gz` with
//! `Content-Encoding: gzip` (Vite's dev server does) has had the browser
//! unpack it already.
//!
//! The images' store is sized once, from their IDX header (see
//! [`ImagesReader`]): growing it by doubling would copy it at every step and
//! leave the memory at the peak of the old and the new buffer. The labels,
//! 70 KB, are kept in a plain `Vec`.

use std::io::{self, Write};

use flate2::write::GzDecoder;

use super::{
    parse_labels, Dataset, IdxError, ImagesReader, Mnist, FILES, TEST_IMAGES, TEST_LABELS,
    TRAIN_IMAGES, TRAIN_LABELS,
};

/// Gzip's magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// What an IDX file's unpacked bytes go into: the bytes as they are (a
/// `Vec<u8>`), or images packed as they come ([`ImagesReader`]).
pub trait IdxSink: Write {
    /// An empty sink for `file` (the name its errors give).
    fn open(file: &str) -> Self;
    /// How many unpacked bytes it has taken.
    fn taken(&self) -> usize;
}

/// One IDX file arriving in pieces, gzipped or not, into `S`: by default
/// kept as bytes.
pub struct IdxDownload<S: IdxSink = Vec<u8>> {
    file: String,
    state: State<S>,
}

enum State<S: Write> {
    /// Fewer than two bytes so far: not yet known whether gzipped.
    Opening(Vec<u8>),
    /// Boxed: the decoder's state is a few hundred bytes, the other states a
    /// buffer's handle.
    Gzip(Box<GzDecoder<S>>),
    Plain(S),
}

impl<S: IdxSink> IdxDownload<S> {
    /// A download of `file` (the name its errors give).
    pub fn new(file: &str) -> Self {
        IdxDownload {
            file: file.into(),
            state: State::Opening(Vec::new()),
        }
    }

    /// The next bytes as they came over the network. A gzip stream that is
    /// not valid is an error at once, before the rest is fetched.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), IdxError> {
        if let State::Opening(first) = &mut self.state {
            first.extend_from_slice(chunk);
            if first.len() < GZIP_MAGIC.len() {
                return Ok(());
            }
            let first = std::mem::take(first);
            let sink = S::open(&self.file);
            self.state = if first.starts_with(&GZIP_MAGIC) {
                State::Gzip(Box::new(GzDecoder::new(sink)))
            } else {
                State::Plain(sink)
            };
            return self.push(&first);
        }
        let written = match &mut self.state {
            State::Gzip(decoder) => decoder.write_all(chunk),
            State::Plain(sink) => sink.write_all(chunk),
            State::Opening(_) => unreachable!("decided above"),
        };
        written.map_err(|cause| self.not_gzip(cause))
    }

    /// Whether the bytes are gzipped (false until two bytes have come).
    pub fn is_gzip(&self) -> bool {
        matches!(self.state, State::Gzip(_))
    }

    /// How many bytes it has unpacked to so far.
    pub fn unpacked_len(&self) -> usize {
        match &self.state {
            State::Opening(bytes) => bytes.len(),
            State::Gzip(decoder) => decoder.get_ref().taken(),
            State::Plain(sink) => sink.taken(),
        }
    }

    /// What the file unpacked to; a gzip stream that ended early or whose
    /// checksum is wrong is an error.
    pub fn finish(self) -> Result<S, IdxError> {
        match self.state {
            State::Opening(bytes) => {
                let mut sink = S::open(&self.file);
                sink.write_all(&bytes).map_err(|cause| IdxError::Io {
                    file: self.file,
                    cause,
                })?;
                Ok(sink)
            }
            State::Plain(sink) => Ok(sink),
            State::Gzip(decoder) => match decoder.finish() {
                Ok(sink) => Ok(sink),
                Err(cause) => Err(IdxError::NotGzip {
                    file: self.file,
                    cause,
                }),
            },
        }
    }

    fn not_gzip(&self, cause: io::Error) -> IdxError {
        IdxError::NotGzip {
            file: self.file.clone(),
            cause,
        }
    }
}

impl IdxSink for Vec<u8> {
    fn open(_file: &str) -> Self {
        Vec::new()
    }

    fn taken(&self) -> usize {
        self.len()
    }
}

impl IdxSink for ImagesReader {
    fn open(file: &str) -> Self {
        ImagesReader::new(file)
    }

    fn taken(&self) -> usize {
        self.len()
    }
}

impl Write for ImagesReader {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.push(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// MNIST's four files downloading side by side (in the order of
/// [`FILES`](super::FILES): each split's images, then its labels).
pub struct MnistDownload {
    images: [IdxDownload<ImagesReader>; 2],
    labels: [IdxDownload<Vec<u8>>; 2],
}

impl Default for MnistDownload {
    fn default() -> Self {
        MnistDownload {
            images: [TRAIN_IMAGES, TEST_IMAGES].map(IdxDownload::new),
            labels: [TRAIN_LABELS, TEST_LABELS].map(IdxDownload::new),
        }
    }
}

impl MnistDownload {
    /// The next bytes of file `index` (of [`FILES`](super::FILES)).
    pub fn push(&mut self, index: usize, chunk: &[u8]) -> Result<(), IdxError> {
        match (index % 2, self.images.get_mut(index / 2)) {
            (0, Some(images)) => images.push(chunk),
            (_, Some(_)) => self.labels[index / 2].push(chunk),
            (_, None) => Err(IdxError::NoSuchFile {
                index,
                files: FILES.len(),
            }),
        }
    }

    /// Whether file `index` came gzipped (see [`IdxDownload::is_gzip`]).
    pub fn is_gzip(&self, index: usize) -> bool {
        match (index % 2, self.images.get(index / 2)) {
            (0, Some(images)) => images.is_gzip(),
            (_, Some(_)) => self.labels[index / 2].is_gzip(),
            (_, None) => false,
        }
    }

    /// How many bytes the four files have unpacked to so far.
    pub fn unpacked_bytes(&self) -> usize {
        let images: usize = self.images.iter().map(IdxDownload::unpacked_len).sum();
        let labels: usize = self.labels.iter().map(IdxDownload::unpacked_len).sum();
        images + labels
    }

    /// Both splits, checked as [`Mnist::load`] checks the files on disk.
    pub fn finish(self) -> Result<Mnist, IdxError> {
        let split = |images: IdxDownload<ImagesReader>, labels: IdxDownload<Vec<u8>>| {
            let (images_file, labels_file) = (images.file.clone(), labels.file.clone());
            let images = images.finish()?.finish()?;
            let labels = parse_labels(&labels_file, &labels.finish()?)?;
            Dataset::new(images, labels, &images_file, &labels_file)
        };
        let ([train_images, test_images], [train_labels, test_labels]) = (self.images, self.labels);
        let train = split(train_images, train_labels);
        let test = split(test_images, test_labels);
        Mnist::from_splits(train?, test?, TEST_IMAGES)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::mnist::idx_bytes;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).expect("writing to a Vec");
        encoder.finish().expect("writing to a Vec")
    }

    /// Five 3x4 images whose pixels count up, so that any byte out of place
    /// shows.
    fn images() -> Vec<u8> {
        let pixels: Vec<u8> = (0..60).collect();
        idx_bytes::images(5, 3, 4, &pixels)
    }

    /// Feeds `bytes` in pieces of `size` bytes.
    fn download(bytes: &[u8], size: usize) -> Result<IdxDownload, IdxError> {
        let mut download = IdxDownload::new("f");
        for chunk in bytes.chunks(size) {
            download.push(chunk)?;
        }
        Ok(download)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn gzipped_or_not_in_pieces_of_any_size_it_unpacks_to_the_file() {
        let file = images();
        let packed = gzip(&file);
        // One byte at a time splits the gzip magic and the IDX header too.
        for size in [1, 2, 3, 17, packed.len()] {
            let gz = download(&packed, size).unwrap();
            assert!(gz.is_gzip());
            assert_eq!(gz.finish().unwrap(), file, "gzipped, pieces of {size}");
            let plain = download(&file, size).unwrap();
            assert!(!plain.is_gzip());
            assert_eq!(plain.finish().unwrap(), file, "plain, pieces of {size}");
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn images_are_packed_as_they_come_whatever_the_pieces() {
        let file = images();
        let whole = crate::mnist::parse_images("f", &file).unwrap().pixels;
        for bytes in [gzip(&file), file.clone()] {
            for size in [1, 2, 3, 13, 17, bytes.len()] {
                let mut download = IdxDownload::<ImagesReader>::new("f");
                for chunk in bytes.chunks(size) {
                    download.push(chunk).unwrap();
                }
                let reader = download.finish().unwrap();
                assert_eq!(reader.len(), file.len());
                let images = reader.finish().unwrap();
                assert_eq!(images.pixels, whole, "pieces of {size}");
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_truncated_gzip_stream_is_named_when_it_ends() {
        let mut packed = gzip(&images());
        // Without its 8-byte trailer (checksum and length) the stream ends early.
        packed.truncate(packed.len() - 8);
        let error = download(&packed, 7).unwrap().finish().unwrap_err();
        assert!(
            matches!(&error, IdxError::NotGzip { file, .. } if file == "f"),
            "{error}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_damaged_gzip_stream_is_an_error() {
        let packed = gzip(&images());
        // The last 8 bytes are the CRC-32 and the length: a wrong checksum.
        let mut wrong_checksum = packed.clone();
        let at = wrong_checksum.len() - 8;
        wrong_checksum[at] ^= 0xff;
        let error = download(&wrong_checksum, 7).unwrap().finish().unwrap_err();
        assert!(matches!(error, IdxError::NotGzip { .. }), "{error}");
        // A reserved block type (11) right after the 10-byte header is not
        // deflate data: the decoder refuses it when it reaches it.
        let mut bad_block = packed;
        bad_block[10] = 0b111;
        let error = download(&bad_block, 7)
            .and_then(IdxDownload::finish)
            .unwrap_err();
        assert!(matches!(error, IdxError::NotGzip { .. }), "{error}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_four_files_make_both_splits_and_their_errors_name_the_file() {
        let pieces = |download: &mut MnistDownload, index: usize, bytes: &[u8]| {
            for chunk in bytes.chunks(5) {
                download.push(index, chunk).unwrap();
            }
        };
        let labels = idx_bytes::labels(&[3, 1, 4, 1, 5]);
        let mut download = MnistDownload::default();
        pieces(&mut download, 0, &gzip(&images()));
        pieces(&mut download, 1, &gzip(&labels));
        pieces(&mut download, 2, &images());
        pieces(&mut download, 3, &labels);
        assert!(download.is_gzip(0) && !download.is_gzip(2));
        assert_eq!(
            download.unpacked_bytes(),
            2 * (images().len() + labels.len())
        );
        let mnist = download.finish().unwrap();
        assert_eq!(mnist.train.len(), 5);
        let all = [0, 1, 2, 3, 4];
        assert_eq!(mnist.train.pixels(&all), mnist.test.pixels(&all));
        assert_eq!(mnist.train.pixels(&all).as_slice(), Some(&images()[16..]));
        assert_eq!(mnist.test.labels(), &[3, 1, 4, 1, 5]);

        let mut short = MnistDownload::default();
        pieces(&mut short, 0, &images());
        pieces(&mut short, 1, &labels);
        pieces(&mut short, 2, &images()[..40]);
        pieces(&mut short, 3, &labels);
        let error = short.finish().unwrap_err();
        assert!(
            matches!(&error, IdxError::WrongLength { file, .. } if file == TEST_IMAGES),
            "{error}"
        );

        let error = MnistDownload::default().push(4, &[0]).unwrap_err();
        assert!(
            matches!(error, IdxError::NoSuchFile { index: 4, files: 4 }),
            "{error}"
        );
    }
}
